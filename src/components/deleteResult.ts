import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, type ButtonInteraction } from 'discord.js';
import { askGoogleToForget } from '../conversation/askGoogleToForget.js';
import { deleteTurn, type DeleteResult } from '../conversation/deleteTurn.js';
import type { BotContext } from '../discord/botContext.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import type { InteractionResponse } from '../discord/interactionResponse.js';
import { textPayload } from '../discord/toMessagePayload.js';
import type { ResultTarget } from './interactionAuthority.js';
import { locateInConversation, resultThreadId } from './locateResult.js';

/**
 * Delete under a result image: its turn leaves the conversation and its
 * message goes (conversation/deleteTurn.ts). Only the person who asked for
 * it, or a member who may manage messages, may do this.
 */
export async function deleteResult(bot: BotContext, interaction: ButtonInteraction, target: ResultTarget, response: InteractionResponse): Promise<void> {
  await response.defer('private');
  const { messageId } = target;
  const threadId = await resultThreadId(interaction, messageId);
  const deleted = await deleteTurn(bot, {
    threadId,
    guildId: interaction.guildId ?? '',
    messageId,
    userId: interaction.user.id,
    moderator: interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) === true,
    checkConversation: async (stored) => {
      const located = await locateInConversation(bot.logger, interaction, { threadId, messageId }, stored);
      return located.ok ? undefined : located.refusal;
    },
    deleteMessage: () =>
      // A second click (or a moderator) may have deleted it already: that is the outcome wanted.
      interaction.message.delete().then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage)) throw error;
        },
      ),
  });
  await interaction.editReply(textPayload(deletedSentence(deleted)));
  // Best effort, after the member has the answer: our record no longer holds the turn, whatever Google says; what
  // Google does not confirm gone is asked again by a later Delete or the thread's deletion.
  if (deleted.ok && deleted.geminiInteractionIds.length > 0) await askGoogleToForget(bot, threadId, deleted.geminiInteractionIds);
}

function deletedSentence(deleted: DeleteResult): string {
  if (!deleted.ok) return describeRefusal(deleted.refusal);
  if (deleted.messageLeft) return 'I took that image out of the conversation, but Discord did not let me remove its message just now. A moderator can delete the message; the conversation already goes on without it.';
  return 'Deleted. The conversation goes on without that image.';
}
