import { DiscordAPIError, MessageFlags, RESTJSONErrorCodes, type Message, type RepliableInteraction } from 'discord.js';
import type { InteractionResponse } from './interactionResponse.js';
import { trimContent } from './renderOutcome.js';
import type { ChannelDelivery } from './channelDelivery.js';
import { progressDeadline } from './progressDeadline.js';
import { textPayload, toMessagePayload } from './toMessagePayload.js';
import { uploadLimitForTier } from './uploadLimit.js';

/** Interaction tokens work for 15 minutes; past this margin we stop relying on them. */
const TOKEN_LIFETIME_MS = 14.5 * 60_000;

/** Whether the interaction's token can still edit its reply and follow up. */
export function tokenStillValid(interaction: RepliableInteraction): boolean {
  return Date.now() - interaction.createdTimestamp < TOKEN_LIFETIME_MS;
}

/**
 * Delivers a slash command's turn through its deferred reply (the deferral
 * is started before the turn waits in line). A result that arrives after
 * the token expired is posted in the channel instead, so no generation is
 * lost to a slow queue.
 */
export function interactionDelivery(response: InteractionResponse): ChannelDelivery {
  const { interaction, acknowledged } = response;
  const tokenValid = () => tokenStillValid(interaction);
  const postInChannel = async (payload: ReturnType<typeof toMessagePayload>): Promise<Message> => {
    const channel = interaction.channel;
    if (!channel?.isSendable()) throw new Error(`channel ${interaction.channelId} is not available to post a late result`);
    const note = `-# For <@${interaction.user.id}>: the reply window of the request had closed, so the result is here.`;
    return channel.send({ ...payload, content: [trimContent(payload.content ?? '', 1900), note].filter(Boolean).join('\n') });
  };
  const deadline = progressDeadline(
    response,
    'Still working on it. The reply window of this request is closing, so the result will be posted in this channel.',
    async (payload) => (tokenValid() ? interaction.editReply(payload) : undefined),
  );
  return {
    ready: acknowledged,
    uploadLimitBytes: interaction.attachmentSizeLimit || uploadLimitForTier(interaction.guild?.premiumTier ?? 0),
    async progress(message) {
      await acknowledged;
      // The deferred reply itself: the answer's edit replaces its text and files (a sketch) alike.
      if (tokenValid()) await deadline.show(message);
    },
    async post(message) {
      await acknowledged;
      await deadline.finish();
      const payload = toMessagePayload(message);
      if (tokenValid()) {
        try {
          const posted = await interaction.editReply(payload);
          response.markAnswered();
          return posted;
        } catch (error) {
          if (!isExpiredToken(error)) throw error;
        }
      }
      return postInChannel(payload);
    },
    async warn(text) {
      await acknowledged;
      if (tokenValid()) return interaction.followUp({ ...textPayload(text), flags: MessageFlags.Ephemeral });
      const channel = interaction.channel;
      return channel?.isSendable() ? channel.send(textPayload(text)) : undefined;
    },
  };
}

export function isExpiredToken(error: unknown): boolean {
  return (
    error instanceof DiscordAPIError &&
    (error.code === RESTJSONErrorCodes.InvalidWebhookToken || error.code === RESTJSONErrorCodes.UnknownInteraction || error.code === RESTJSONErrorCodes.UnknownWebhook)
  );
}
