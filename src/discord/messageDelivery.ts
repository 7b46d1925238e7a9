import type { Message } from 'discord.js';
import type { ChannelDelivery } from './channelDelivery.js';
import { textPayload, toMessagePayload } from './toMessagePayload.js';
import { uploadLimitForTier } from './uploadLimit.js';

/**
 * Delivers a turn asked for by a message, as a reply to it. Progress
 * ("2 ahead of you", Gemini's sketches) is one reply that is edited, and the
 * answer replaces it, so the thread gets one message per request, not a
 * trail of notices.
 */
export function messageDelivery(request: Message<true>): ChannelDelivery {
  // The status reply as a promise, so an edit or the answer never races its creation.
  let status: Promise<Message> | undefined;
  return {
    ready: Promise.resolve(),
    uploadLimitBytes: uploadLimitForTier(request.guild.premiumTier),
    async progress(message) {
      const payload = toMessagePayload(message);
      if (status) await (await status).edit(payload);
      else await (status = request.reply(payload));
    },
    async post(message) {
      const payload = toMessagePayload(message);
      const statusMessage = await status?.catch(() => undefined);
      // `attachments: []`: the edit carries only the answer's files, never the sketch the status showed.
      if (statusMessage) return statusMessage.edit({ ...payload, attachments: [] });
      return request.reply(payload);
    },
    warn: (text) => request.reply(textPayload(text)),
  };
}
