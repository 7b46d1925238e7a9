import { MessageFlags, type Message, type RepliableInteraction, type ThreadChannel } from 'discord.js';
import type { InteractionResponse } from './interactionResponse.js';
import type { ChannelDelivery } from './channelDelivery.js';
import { trimContent } from './renderOutcome.js';
import { progressDeadline } from './progressDeadline.js';
import { textPayload, toMessagePayload } from './toMessagePayload.js';
import { isExpiredToken, tokenStillValid } from './interactionDelivery.js';
import { uploadLimitForTier } from './uploadLimit.js';

/**
 * Delivers a turn started from a button or a modal: the clicker follows its
 * progress privately (an ephemeral reply), and Gemini's answer is posted publicly
 * in the conversation's thread, as a reply to the image it came from when
 * that image is in the thread (a reply cannot cross channels).
 */
export function threadDelivery(response: InteractionResponse, threadId: string, source: Message | undefined): ChannelDelivery {
  const { interaction, acknowledged } = response;
  const reply = source && source.channelId === threadId ? { messageReference: source.id, failIfNotExists: false } : undefined;
  /** The conversation's thread, looked up when something is posted there (the turn's check fetched it, so discord.js has it cached). */
  const thread = async (): Promise<ThreadChannel> => {
    const channel = await interaction.client.channels.fetch(threadId);
    if (!channel?.isThread()) throw new Error(`the conversation's thread ${threadId} is gone`);
    return channel;
  };
  /** Edits the clicker's private reply; false once its token is gone (by the clock, or as Discord says). */
  const editPrivately = async (payload: Parameters<RepliableInteraction['editReply']>[0]): Promise<Message | false> => {
    if (!tokenStillValid(interaction)) return false;
    try {
      return await interaction.editReply(payload);
    } catch (error) {
      if (isExpiredToken(error)) return false;
      throw error;
    }
  };
  const deadline = progressDeadline(response, 'Still working on it. The result will be posted in the thread.', editPrivately);
  return {
    ready: acknowledged,
    uploadLimitBytes: interaction.attachmentSizeLimit || uploadLimitForTier(interaction.guild?.premiumTier ?? 0),
    async progress(message) {
      await acknowledged;
      await deadline.show(message);
    },
    async post(message) {
      await acknowledged;
      await deadline.finish();
      // A notice (over a limit, refused, failed) concerns the clicker alone: their private reply, or the thread once that is gone.
      if (!message.isAnswer) {
        const notice = (await editPrivately(toMessagePayload(message))) || (await (await thread()).send(textPayload(trimContent(`<@${interaction.user.id}>: ${message.content}`))));
        response.markAnswered();
        return notice;
      }
      const posted = await (await thread()).send({ ...toMessagePayload(message), ...(reply ? { reply } : {}) });
      response.markAnswered();
      // No files: the private reply's sketch, if it showed one, goes with the rest of the progress.
      await editPrivately(toMessagePayload({ content: message.files.length > 0 ? `Done: ${posted.url}` : message.content, files: [] })).catch(() => undefined);
      return posted;
    },
    async warn(text) {
      await acknowledged;
      // Past the interaction token's 15 minutes only the thread can still be told.
      if (tokenStillValid(interaction)) return interaction.followUp({ ...textPayload(text), flags: MessageFlags.Ephemeral });
      return (await thread()).send(textPayload(text));
    },
  };
}
