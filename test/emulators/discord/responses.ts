import { createMessage, stripInternal, type Body } from './messages.js';
import { replyReference } from './payloads.js';
import type { RestContext } from './router.js';
import type { World } from './state.js';
import type { InteractionRecord, StoredMessage } from './types.js';

const EPHEMERAL = 64;
// Message types of interaction responses.
const REPLY = 19;
const CHAT_INPUT_COMMAND = 20;
const CONTEXT_MENU_COMMAND = 23;

/** `interaction_metadata` per interaction type (discord-api-types APIMessageInteractionMetadata). */
function metadata(world: World, record: InteractionRecord): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: record.id,
    type: record.type,
    user: record.user,
    authorizing_integration_owners: { '0': record.guildId },
  };
  if (record.type === 2) {
    base.name = record.name;
    base.command_type = record.commandType ?? 1;
    if (record.targetId) base.target_message_id = record.targetId;
  } else if (record.type === 3 && record.messageId) {
    base.interacted_message_id = record.messageId;
  } else if (record.type === 5 && record.openedBy) {
    const opener = world.interactions.get(record.openedBy);
    if (opener) base.triggering_interaction_metadata = metadata(world, opener);
  }
  return base;
}

export function interactionExtras(world: World, record: InteractionRecord): Partial<StoredMessage> {
  return {
    application_id: world.applicationId,
    interaction_metadata: metadata(world, record) as unknown as StoredMessage['interaction_metadata'],
    interaction: { id: record.id, type: record.type, name: record.name, user: record.user } as StoredMessage['interaction'],
  };
}

/** The command behind an interaction: itself, or for a modal submit the interaction that opened the modal. */
function rootCommand(world: World, record: InteractionRecord): InteractionRecord {
  const opener = record.type === 5 && record.openedBy ? world.interactions.get(record.openedBy) : undefined;
  return opener ? rootCommand(world, opener) : record;
}

/**
 * New messages answering a component (or a modal opened from one) are replies to the component's
 * message (type 19 with message_reference); command answers are type 20, or 23 for context menus.
 */
export function responseType(world: World, record: InteractionRecord): { type: number; repliedTo?: StoredMessage } {
  const repliedTo = record.messageId ? world.messageById.get(record.messageId) : undefined;
  if ((record.type === 3 || record.type === 5) && repliedTo) return { type: REPLY, repliedTo };
  const root = rootCommand(world, record);
  return { type: root.type === 2 && root.commandType === 3 ? CONTEXT_MENU_COMMAND : CHAT_INPUT_COMMAND };
}

/** Builds a response message (webhook_id = application id). */
export function responseMessage(ctx: RestContext, record: InteractionRecord, body: Body, forcedFlags?: number, id?: string) {
  const { type, repliedTo } = responseType(ctx.world, record);
  const extra: Partial<StoredMessage> = interactionExtras(ctx.world, record);
  if (repliedTo) {
    extra.message_reference = replyReference(ctx.world, repliedTo);
    extra.referenced_message = stripInternal(repliedTo);
  }
  const message = createMessage(ctx, record.channelId, body, ctx.body.files, {
    author: ctx.world.botUser,
    type,
    webhookId: ctx.world.applicationId,
    allowEphemeral: true,
    extra,
  });
  if (forcedFlags !== undefined) message.flags = ((message.flags ?? 0) & ~EPHEMERAL) | (forcedFlags & EPHEMERAL);
  if (id) message.id = id;
  return message;
}
