import type { Interaction, ThreadChannel } from 'discord.js';
import type { Logger } from 'pino';
import { findExchangeByMessage, type ConversationRecord, type Exchange } from '../conversation/conversationRecord.js';
import { loadConversation, type ThreadConversation } from '../conversation/loadConversation.js';
import type { BotContext } from '../discord/botContext.js';
import { channelOf } from '../discord/channelOf.js';
import type { Refusal } from '../refusals/refusal.js';
import { conversationBelongsHere } from './interactionAuthority.js';

export type LocatedResult =
  | { ok: true; thread: ThreadChannel; record: ConversationRecord; exchange: Exchange; index: number }
  | { ok: false; refusal: Refusal };

const NOT_A_CONVERSATION = { ok: false, refusal: { kind: 'not-a-conversation' } } as const;

/**
 * The thread whose conversation a result message belongs to. A button on the
 * first image sits in the parent channel, and that image's thread has the
 * message's id; any other result sits in its thread.
 */
export async function resultThreadId(interaction: Interaction, messageId: string): Promise<string> {
  const channel = await channelOf(interaction);
  return channel?.isThread() ? channel.id : messageId;
}

/**
 * The result message's turn in its thread's conversation, as read in the
 * thread's line. `messageId` is a message Discord vouched for in the
 * interaction (see interactionAuthority.ts), and the conversation found must
 * belong to the interaction's server and channel. Read in the line: a click
 * can land while the turn that posted this image is still saving it (and
 * opening its thread).
 */
export async function locateInConversation(
  logger: Logger,
  interaction: Interaction,
  result: { threadId: string; messageId: string },
  loaded: ThreadConversation,
): Promise<LocatedResult> {
  const { threadId, messageId } = result;
  if (loaded.kind === 'unreadable') return { ok: false, refusal: { kind: 'history-unreadable' } };
  // A record naming another server (logged where it was found): the same refusal as for a reply in its thread.
  if (loaded.kind === 'refused') return { ok: false, refusal: loaded.refusal };
  if (loaded.kind === 'missing') return NOT_A_CONVERSATION;
  const found = findExchangeByMessage(loaded.record, messageId);
  if (!found) return NOT_A_CONVERSATION;
  const thread = await interaction.client.channels.fetch(threadId).catch(() => null);
  if (!thread?.isThread()) return { ok: false, refusal: { kind: 'thread-gone' } };
  if (!conversationBelongsHere(interaction, loaded.record, thread)) {
    logger.warn({ threadId, guildId: interaction.guildId, channelId: interaction.channelId, userId: interaction.user.id }, 'refused: conversation belongs elsewhere');
    return NOT_A_CONVERSATION;
  }
  return { ok: true, thread, record: loaded.record, exchange: found.exchange, index: found.index };
}

/** The conversation turn a result message shows (for Branch and Delete), read in its thread's line. */
export async function locateResult(bot: BotContext, interaction: Interaction, messageId: string): Promise<LocatedResult> {
  const threadId = await resultThreadId(interaction, messageId);
  // In the thread's line, where an older record is also migrated and written back (loadConversation) with no turn in between.
  return bot.threadQueue.run(threadId, async () =>
    locateInConversation(bot.logger, interaction, { threadId, messageId }, await loadConversation(bot, threadId, interaction.guildId ?? '')),
  );
}
