import { publishCreate } from './events.js';
import { channelOrThrow } from './interactions.js';
import { blankMessageFields, computeMentions, stripInternal } from './messages.js';
import { replyReference } from './payloads.js';
import type { World } from './state.js';
import { unarchiveOnActivity } from './threads.js';
import type { StoredMessage, UserMessageArgs } from './types.js';

/**
 * Inside a thread the starter message (same id as the thread, stored in the parent) is shown
 * first and can be replied to; the reference then points at the parent channel.
 */
export function threadStarter(world: World, threadId: string, messageId: string): StoredMessage | undefined {
  const thread = world.channel(threadId);
  if (messageId !== threadId || !thread || typeof thread.parent_id !== 'string') return undefined;
  return world.findMessage(thread.parent_id, messageId);
}

/** A user posts in a channel or thread: stores the message and dispatches MESSAGE_CREATE. */
export function sendUserMessage(world: World, args: UserMessageArgs): StoredMessage {
  const channelId = args.channelId ?? world.channelId;
  world.assertMember(channelOrThrow(world, channelId).guild_id, args.user);
  unarchiveOnActivity(world, channelId);
  const content = args.mentionBot ? `<@${world.botUser.id}> ${args.content}` : args.content;
  let repliedTo: StoredMessage | undefined;
  if (args.replyTo) {
    repliedTo = world.findMessage(channelId, args.replyTo) ?? threadStarter(world, channelId, args.replyTo);
    if (!repliedTo) throw new Error(`discord emulator: message ${args.replyTo} is not in channel ${channelId}`);
  }
  // Clients reply with "ping on reply" on by default: the replied-to author (never oneself) is mentioned.
  const mentions = computeMentions(world, content, undefined, repliedTo).filter((u) => u.id !== args.user.id);
  const message: StoredMessage = {
    ...blankMessageFields(),
    type: repliedTo ? 19 : 0,
    content,
    mentions,
    attachments: args.attachments ?? [],
    id: world.ids.next(),
    channel_id: channelId,
    author: args.user,
    nonce: world.ids.next(),
  };
  if (repliedTo) {
    message.message_reference = replyReference(world, repliedTo);
    message.referenced_message = stripInternal(repliedTo);
  }
  publishCreate(world, message);
  return message;
}
