import type { Interaction, ThreadChannel } from 'discord.js';
import { findExchangeByMessage, type ConversationRecord, type Exchange } from '../conversation/conversationRecord.js';
import type { BotContext } from '../discord/botContext.js';
import { channelOf } from '../discord/channelOf.js';
import { conversationBelongsHere } from './interactionAuthority.js';

export type LocatedResult =
  | { ok: true; thread: ThreadChannel; record: ConversationRecord; exchange: Exchange; index: number }
  | { ok: false; text: string };

const STALE = 'This image is no longer part of a conversation I can continue. Start a new one with /imagine.';

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
  // A click can land while the turn that posted this image is still saving it: wait for the thread's turns in flight.
  await bot.threadQueue.run(threadId, async () => undefined);
  const loaded = await bot.conversations.load(threadId);
  if (loaded.kind === 'unreadable') {
    bot.logger.error({ threadId, problem: loaded.problem }, 'stored conversation is unreadable');
    return { ok: false, text: 'I could not read the saved history of this conversation. Start a new image with /imagine.' };
  }
  if (loaded.kind === 'missing') return { ok: false, text: STALE };
  const found = findExchangeByMessage(loaded.record, messageId);
  if (!found) return { ok: false, text: STALE };
  const thread = await interaction.client.channels.fetch(threadId).catch(() => null);
  if (!thread?.isThread()) return { ok: false, text: "I can't find this image's thread any more. Start a new one with /imagine." };
  if (!conversationBelongsHere(interaction, loaded.record, thread)) {
    bot.logger.warn({ threadId, guildId: interaction.guildId, channelId: interaction.channelId, userId: interaction.user.id }, 'refused: conversation belongs elsewhere');
    return { ok: false, text: STALE };
  }
  return { ok: true, thread, record: loaded.record, exchange: found.exchange, index: found.index };
}
