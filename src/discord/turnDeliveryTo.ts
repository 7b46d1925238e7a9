import type { Message } from 'discord.js';
import type { Logger } from 'pino';
import type { TurnDelivery, TurnWarning } from '../turn/turnRequest.js';
import type { ChannelDelivery } from './channelDelivery.js';
import { deliverAnswer } from './deliverAnswer.js';
import { renderOutcome, threadName } from './renderOutcome.js';
import { renderProgress } from './renderProgress.js';
import { answerNotes } from './resultNotes.js';
import { resultButtonsFor } from './resultButtons.js';

/**
 * The turn's delivery on a Discord destination: each outcome, status, sketch
 * and warning put into the words a member reads (renderOutcome and friends), an
 * answer's images fitted to the destination's upload limit, and a new
 * conversation's thread opened from the answer's message.
 */
export function turnDeliveryTo(channel: ChannelDelivery, logger: Logger): TurnDelivery {
  return {
    ready: channel.ready,
    async progress(progress) {
      const message = await renderProgress(progress, channel.uploadLimitBytes);
      if (message) await channel.progress(message);
      else logger.debug({ sketch: progress.kind === 'sketch' ? progress.number : undefined }, 'a sketch was skipped: it does not decode, or does not fit the upload limit even as a preview');
    },
    async post(outcome, notes) {
      const rendered = notes ? renderOutcome(outcome, answerNotes(outcome, notes), resultButtonsFor(notes.range)) : renderOutcome(outcome);
      const message = await deliverAnswer(channel, rendered, logger);
      return {
        messageId: message.id,
        parentChannelId: threadParentOf(message),
        openThread: async (prompt) => {
          await message.startThread({ name: threadName(prompt) });
        },
      };
    },
    warn: (warning) => channel.warn(describeWarning(warning)),
  };
}

/**
 * The channel a conversation shown by this message lives in: a thread's
 * parent when the message is in a thread, else its own channel (a new
 * conversation's thread opens from the message there). Undefined when
 * discord.js does not hold the channel, so it cannot tell which.
 */
function threadParentOf(message: Message): string | undefined {
  const channel = message.channel as Message['channel'] | null;
  if (!channel) return undefined;
  return channel.isThread() ? (channel.parentId ?? undefined) : channel.id;
}

function describeWarning(warning: TurnWarning): string {
  switch (warning.kind) {
    case 'not-saved':
      return `I could not save this turn (reference ${warning.reference}), so a later edit will not include it. The image above is still yours.`;
    case 'no-thread':
      return 'I could not open a thread for this image. A server admin must give me the Create Public Threads permission in this channel.';
  }
}
