import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type ButtonInteraction } from 'discord.js';
import { loadConversation } from '../conversation/loadConversation.js';
import type { BotContext } from '../discord/botContext.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import { textPayload } from '../discord/toMessagePayload.js';
import type { LocatedResult } from './locateResult.js';

/**
 * Removes a result: the message, and its turn from the conversation, so a
 * later edit never builds on an image nobody can see. Only the person who
 * asked for it, or a member who may manage messages, may do this.
 */
export async function deleteResult(bot: BotContext, interaction: ButtonInteraction, located: Extract<LocatedResult, { ok: true }>): Promise<void> {
  const mayDelete =
    interaction.user.id === located.exchange.user.authorId || interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) === true;
  if (!mayDelete) {
    await interaction.editReply(textPayload(describeRefusal({ kind: 'not-yours-to-delete' })));
    return;
  }
  // Through the thread's queue: a turn running now must not save a record that still has this exchange.
  await bot.threadQueue.run(located.thread.id, async () => {
    const loaded = await loadConversation(bot, located.thread.id, located.record.guildId);
    if (loaded.kind === 'found') {
      const exchanges = loaded.record.exchanges.filter((exchange) => exchange.model.messageId !== interaction.message.id);
      await bot.conversations.save({ ...loaded.record, exchanges, updatedAt: new Date().toISOString() });
    }
    // A second click (or a moderator) may have deleted it already: that is the outcome wanted.
    await interaction.message.delete().catch((error: unknown) => {
      if (!(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage)) throw error;
    });
  });
  await interaction.editReply(textPayload('Deleted. The conversation goes on without that image.'));
}
