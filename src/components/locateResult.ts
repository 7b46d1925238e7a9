import type { Interaction, ThreadChannel } from 'discord.js';
import { findExchangeByMessage, type ConversationRecord, type Exchange } from '../conversation/conversationRecord.js';
import { loadConversation } from '../conversation/loadConversation.js';
import type { BotContext } from '../discord/botContext.js';
import { channelOf } from '../discord/channelOf.js';
import type { Refusal } from '../refusals/refusal.js';
import { conversationBelongsHere } from './interactionAuthority.js';

export type LocatedResult =
  | { ok: true; thread: ThreadChannel; record: ConversationRecord; exchange: Exchange; index: number }
  | { ok: false; refusal: Refusal };

const NOT_A_CONVERSATION = { ok: false, refusal: { kind: 'not-a-conversation' } } as const;

/**
 * The conversation a result message belongs to. A button on the first image
 * sits in the parent channel, and that image's thread has the message's id;
 * any other result sits in its thread. `messageId` is a message Discord
 * vouched for in the interaction (see interactionAuthority.ts), and the
 * conversation found must belong to the interaction's server and channel.
 */
export async function locateResult(bot: BotContext, interaction: Interaction, messageId: string): Promise<LocatedResult> {
  const channel = await channelOf(interaction);
  const threadId = channel?.isThread() ? channel.id : messageId;
  // In the thread's line: a click can land while the turn that posted this image is still saving it, and
  // reading there lets an older record be migrated and written back (loadConversation) with no turn in between.
  const loaded = await bot.threadQueue.run(threadId, () => loadConversation(bot, threadId, interaction.guildId ?? ''));
  if (loaded.kind === 'unreadable') return { ok: false, refusal: { kind: 'history-unreadable' } };
  // Another server's record was logged where it was found: to this member it is no conversation.
  if (loaded.kind === 'missing' || loaded.kind === 'refused') return NOT_A_CONVERSATION;
  const found = findExchangeByMessage(loaded.record, messageId);
  if (!found) return NOT_A_CONVERSATION;
  const thread = await interaction.client.channels.fetch(threadId).catch(() => null);
  if (!thread?.isThread()) return { ok: false, refusal: { kind: 'thread-gone' } };
  if (!conversationBelongsHere(interaction, loaded.record, thread)) {
    bot.logger.warn({ threadId, guildId: interaction.guildId, channelId: interaction.channelId, userId: interaction.user.id }, 'refused: conversation belongs elsewhere');
    return NOT_A_CONVERSATION;
  }
  return { ok: true, thread, record: loaded.record, exchange: found.exchange, index: found.index };
}
