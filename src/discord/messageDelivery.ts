import type { Message } from 'discord.js';
import { uploadLimitForTier } from '../images/fitToUploadLimit.js';
import type { TurnDelivery } from './runConversationTurn.js';
import { textPayload, toMessagePayload } from './toMessagePayload.js';

/**
 * Delivers a turn asked for by a message, as a reply to it. Progress
 * ("2 ahead of you") is one reply that is edited, and the answer replaces
 * it, so the thread gets one message per request, not a trail of notices.
 */
export function messageDelivery(request: Message<true>): TurnDelivery {
  let statusMessage: Message | undefined;
  return {
    uploadLimitBytes: uploadLimitForTier(request.guild.premiumTier),
    async progress(text) {
      if (statusMessage) await statusMessage.edit(textPayload(text));
      else statusMessage = await request.reply(textPayload(text));
    },
    async post(message) {
      const payload = toMessagePayload(message);
      // `attachments: []` drops nothing the status had (it had none) but makes the edit carry only the new files.
      if (statusMessage) return statusMessage.edit({ ...payload, attachments: [] });
      return request.reply(payload);
    },
    openThread: async (starter, name) => {
      await starter.startThread({ name });
    },
    warn: (text) => request.reply(textPayload(text)),
  };
}
