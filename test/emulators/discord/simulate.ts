import { findCommandId } from './commands.js';
import { publishCreate } from './events.js';
import { computeMentions, stripInternal } from './messages.js';
import { channelPermissions, interactionChannelJson, memberJson } from './payloads.js';
import type { World } from './state.js';

// MessageFlags is an enum without a 0 member.
const NO_FLAGS: number = 0;
import type { InteractionRecord, SlashCommandArgs, StoredMessage, UserMessageArgs } from './types.js';

/**
 * Inside a thread the starter message (same id as the thread, stored in the parent) is shown
 * first and can be replied to; the reference then points at the parent channel.
 */
export function threadStarter(world: World, threadId: string, messageId: string): StoredMessage | undefined {
  const thread = world.channel(threadId);
  if (messageId !== threadId || !thread || typeof thread.parent_id !== 'string') return undefined;
  return world.findMessage(thread.parent_id, messageId);
}

function channelOrThrow(world: World, channelId: string) {
  const channel = world.channel(channelId);
  if (!channel) throw new Error(`discord emulator: unknown channel ${channelId}`);
  return channel;
}

/** A user invokes a slash command: dispatches INTERACTION_CREATE (type 2) shaped like Discord's. */
export function sendSlashCommand(world: World, args: SlashCommandArgs): { interactionId: string; token: string } {
  const channelId = args.channelId ?? world.channelId;
  channelOrThrow(world, channelId);
  const id = world.ids.next();
  const token = world.newInteractionToken();
  const data: Record<string, unknown> = {
    // Unregistered commands still get a stable id so tests need not deploy first.
    id: findCommandId(world, args.name) ?? world.ids.next(),
    name: args.name,
    type: 1,
    guild_id: world.guildId,
  };
  if (args.options) data.options = args.options;
  if (args.attachments?.length) {
    data.resolved = { attachments: Object.fromEntries(args.attachments.map((a) => [a.id, a])) };
  }
  const payload: Record<string, unknown> = {
    app_permissions: String(world.config.botPermissions),
    application_id: world.applicationId,
    // Max upload size the bot may use in its reply (guild boost tier 0 = 10 MiB).
    attachment_size_limit: world.config.uploadLimitBytes,
    authorizing_integration_owners: { '0': world.guildId },
    channel: interactionChannelJson(world, channelId, args.user.id),
    channel_id: channelId,
    context: 0,
    data,
    entitlement_sku_ids: [],
    entitlements: [],
    guild: { id: world.guildId, locale: 'en-US', features: [] },
    guild_id: world.guildId,
    guild_locale: 'en-US',
    id,
    locale: 'en-US',
    member: { ...memberJson(world, args.user), permissions: String(channelPermissions(world, args.user.id)) },
    token,
    type: 2,
    version: 1,
  };
  const record: InteractionRecord = {
    id,
    token,
    type: 2,
    name: args.name,
    user: args.user,
    channelId,
    guildId: world.guildId,
    createdAt: Date.now(),
    followupIds: [],
    payload,
  };
  world.interactions.set(id, record);
  world.interactionsByToken.set(token, record);
  world.dispatch('INTERACTION_CREATE', payload);
  return { interactionId: id, token };
}

/** A user posts in a channel or thread: stores the message and dispatches MESSAGE_CREATE. */
export function sendUserMessage(world: World, args: UserMessageArgs): StoredMessage {
  const channelId = args.channelId ?? world.channelId;
  channelOrThrow(world, channelId);
  const content = args.mentionBot ? `<@${world.botUser.id}> ${args.content}` : args.content;
  let repliedTo: StoredMessage | undefined;
  if (args.replyTo) {
    repliedTo = world.findMessage(channelId, args.replyTo) ?? threadStarter(world, channelId, args.replyTo);
    if (!repliedTo) throw new Error(`discord emulator: message ${args.replyTo} is not in channel ${channelId}`);
  }
  // Clients reply with "ping on reply" on by default: the replied-to author (never oneself) is mentioned.
  const mentions = computeMentions(world, content, undefined, repliedTo).filter((u) => u.id !== args.user.id);
  const message: StoredMessage = {
    type: repliedTo ? 19 : 0,
    content,
    mentions,
    mention_roles: [],
    attachments: args.attachments ?? [],
    embeds: [],
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: NO_FLAGS,
    components: [],
    id: world.ids.next(),
    channel_id: channelId,
    author: args.user,
    pinned: false,
    mention_everyone: false,
    tts: false,
    nonce: world.ids.next(),
  };
  if (repliedTo) {
    message.message_reference = { type: 0, channel_id: repliedTo.channel_id, message_id: repliedTo.id, guild_id: world.guildId };
    message.referenced_message = stripInternal(repliedTo);
  }
  publishCreate(world, message);
  return message;
}
