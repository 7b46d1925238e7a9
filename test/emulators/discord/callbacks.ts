import { checkAutocompleteResult } from './autocomplete.js';
import { errors, invalidFormBody } from './errors.js';
import { publishCreate, publishUpdate } from './events.js';
import { asBody, commitEdit, editMessage } from './messages.js';
import { checkModal } from './modals.js';
import { restMessageJson } from './payloads.js';
import { responseMessage } from './responses.js';
import { noContent, ok, type Reply, type RestContext } from './router.js';
import type { InteractionRecord, StoredMessage } from './types.js';

const EPHEMERAL = 64;

/**
 * Callback types Discord accepts per interaction type: 4 CHANNEL_MESSAGE_WITH_SOURCE,
 * 5 DEFERRED_CHANNEL_MESSAGE, 6 DEFERRED_UPDATE_MESSAGE, 7 UPDATE_MESSAGE, 9 MODAL,
 * 8 APPLICATION_COMMAND_AUTOCOMPLETE_RESULT. Commands cannot update a message; a modal
 * cannot answer a modal; an autocomplete interaction (type 4) takes suggestions only,
 * and only it does.
 */
const ALLOWED: Record<number, number[]> = { 2: [4, 5, 9], 3: [4, 5, 6, 7, 9], 4: [8], 5: [4, 5, 6, 7] };

function invalidType(type: unknown): never {
  throw invalidFormBody([
    { path: ['type'], code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: `Interaction response type ${String(type)} is not valid for this interaction` },
  ]);
}

/** 6/7 act on the component's message; a modal submit has one only if a button opened the modal. */
function componentMessage(ctx: RestContext, record: InteractionRecord, type: number): StoredMessage {
  if (!record.messageId) invalidType(type);
  const message = ctx.world.messageById.get(record.messageId);
  if (!message) throw errors.unknownMessage();
  return message;
}

export function callback(ctx: RestContext): Reply {
  const { world } = ctx;
  const record = world.interactions.get(ctx.params.interaction!);
  if (!record || record.token !== ctx.params.token) throw errors.unknownInteraction();
  // Any second callback, e.g. a modal after deferUpdate, is 400 40060.
  if (record.ackedAt !== undefined) throw errors.alreadyAcknowledged();
  // Discord: "within 3 seconds of receiving the event" (the token's 15 minutes count from its creation).
  if (world.now() - record.dispatchedAt > world.config.interactionAckDeadlineMs) throw errors.unknownInteraction();
  const body = asBody(ctx.body.json);
  const data = asBody(body.data);
  const type = body.type;
  if (typeof type !== 'number' || !(ALLOWED[record.type] ?? []).includes(type)) invalidType(type);
  let created: StoredMessage | undefined;
  let updated: { stored: StoredMessage; next: StoredMessage } | undefined;
  switch (type) {
    case 4:
      created = responseMessage(ctx, record, data);
      record.originalMessageId = created.id;
      record.originalCreated = true;
      break;
    case 5:
      record.originalMessageId = world.ids.next();
      break;
    case 6:
      // Nothing visible changes; @original now designates the component's message.
      record.originalMessageId = componentMessage(ctx, record, type).id;
      record.originalCreated = true;
      break;
    case 7: {
      const stored = componentMessage(ctx, record, type);
      updated = { stored, next: editMessage(ctx, stored, data, ctx.body.files) };
      record.originalMessageId = stored.id;
      record.originalCreated = true;
      break;
    }
    case 9:
      record.modal = checkModal(data);
      break;
    case 8:
      record.autocompleteChoices = checkAutocompleteResult(record, data);
      break;
  }
  record.ackType = type;
  record.ackedAt = world.now();
  record.ackFlags = typeof data.flags === 'number' ? data.flags : 0;
  if (created) publishCreate(world, created);
  if (updated) publishUpdate(world, commitEdit(world, updated.stored, updated.next));
  world.emit('ack', record);
  if (ctx.query.get('with_response') !== 'true') return noContent();
  const message = created ?? updated?.stored;
  return ok({
    interaction: {
      id: record.id,
      type: record.type,
      activity_instance_id: undefined,
      response_message_id: record.originalMessageId,
      response_message_loading: type === 5,
      response_message_ephemeral: ((message?.flags ?? record.ackFlags) & EPHEMERAL) !== 0,
    },
    resource: { type, ...(message ? { message: restMessageJson(message) } : {}) },
  });
}
