import type { Message } from 'discord.js';
import type { Logger } from 'pino';
import type { ChannelDelivery } from './channelDelivery.js';
import { replacingTextPayload, textPayload, toMessagePayload } from './toMessagePayload.js';
import { uploadLimitForTier } from './uploadLimit.js';

/** A message's delivery, which can also tell the member that the turn failed unexpectedly. */
export interface MessageDelivery extends ChannelDelivery {
  /**
   * Tells the member what went wrong: in the status reply while it shows
   * where the request stood (a sketch included, replaced by the sentence),
   * else in a reply of its own, so a posted answer keeps its words; a reply
   * of its own too when Discord refuses the status reply's edit. When Discord
   * refuses that reply as well, there is no one left to tell but the log.
   * Never throws.
   */
  explain(text: string): Promise<void>;
}

/**
 * Delivers a turn asked for by a message, as a reply to it. Progress
 * ("2 ahead of you", Gemini's sketches) is one reply that is edited, and the
 * answer replaces it, so the thread gets one message per request, not a
 * trail of notices.
 */
export function messageDelivery(request: Message<true>, logger: Logger): MessageDelivery {
  // The status reply as a promise, so an edit or the answer never races its creation.
  let status: Promise<Message> | undefined;
  let answered = false;
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
      const posted = statusMessage ? await statusMessage.edit({ ...payload, attachments: [] }) : await request.reply(payload);
      answered = true;
      return posted;
    },
    warn: (text) => request.reply(textPayload(text)),
    async explain(text) {
      const statusMessage = answered ? undefined : await status?.catch(() => undefined);
      if (statusMessage) {
        const edited = await statusMessage.edit(replacingTextPayload(text)).then(
          () => true,
          (error: unknown) => {
            logger.warn({ err: error, messageId: request.id }, 'could not explain a failure in the status reply; replying instead');
            return false;
          },
        );
        if (edited) return;
      }
      await request.reply(textPayload(text)).catch((error: unknown) => {
        logger.error({ err: error, messageId: request.id, channelId: request.channelId }, 'could not tell the member that the request failed');
      });
    },
  };
}
