import { MessageFlags, type Message, type RepliableInteraction, type ThreadChannel } from 'discord.js';
import type { TurnDelivery } from './turnRequest.js';
import { textPayload, toMessagePayload } from './toMessagePayload.js';
import { TOKEN_LIFETIME_MS } from './interactionDelivery.js';
import { uploadLimitForTier } from './uploadLimit.js';

/**
 * Delivers a turn started from a button or a modal: the clicker follows its
 * progress privately (an ephemeral reply), and Gemini's answer is posted publicly
 * in the conversation's thread, as a reply to the image it came from when
 * that image is in the thread (a reply cannot cross channels).
 */
export function threadDelivery(
  interaction: RepliableInteraction,
  acknowledged: Promise<unknown>,
  thread: ThreadChannel,
  source: Message | undefined,
): TurnDelivery {
  acknowledged.catch(() => undefined);
  const reply = source && source.channelId === thread.id ? { messageReference: source.id, failIfNotExists: false } : undefined;
  return {
    ready: acknowledged,
    uploadLimitBytes: interaction.attachmentSizeLimit || uploadLimitForTier(interaction.guild?.premiumTier ?? 0),
    async progress(text) {
      await acknowledged;
      await interaction.editReply(textPayload(text));
    },
    async post(message) {
      await acknowledged;
      // A notice (over a limit, refused, failed) concerns the clicker alone: it stays in their private reply.
      if (!message.isAnswer) return interaction.editReply(toMessagePayload(message));
      const posted = await thread.send({ ...toMessagePayload(message), ...(reply ? { reply } : {}) });
      await interaction.editReply(textPayload(message.files.length > 0 ? `Done: ${posted.url}` : message.content)).catch(() => undefined);
      return posted;
    },
    async warn(text) {
      await acknowledged;
      // Past the interaction token's 15 minutes only the thread can still be told.
      if (Date.now() - interaction.createdTimestamp < TOKEN_LIFETIME_MS) return interaction.followUp({ ...textPayload(text), flags: MessageFlags.Ephemeral });
      return thread.send(textPayload(text));
    },
  };
}
