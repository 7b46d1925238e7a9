import type { Logger } from 'pino';
import type { TurnDelivery, TurnProgress, TurnWarning } from '../turn/turnRequest.js';
import type { ChannelDelivery } from './channelDelivery.js';
import { deliverAnswer } from './deliverAnswer.js';
import { renderOutcome, threadName } from './renderOutcome.js';
import { answerNotes } from './resultNotes.js';

/**
 * The turn's delivery on a Discord destination: each outcome, status and
 * warning put into the words a member reads (renderOutcome and friends), an
 * answer's images fitted to the destination's upload limit, and a new
 * conversation's thread opened from the answer's message.
 */
export function turnDeliveryTo(channel: ChannelDelivery, logger: Logger): TurnDelivery {
  return {
    ready: channel.ready,
    progress: (progress) => channel.progress(describeProgress(progress)),
    async post(outcome, notes) {
      const message = await deliverAnswer(channel, renderOutcome(outcome, notes ? answerNotes(outcome, notes) : []), logger);
      return {
        messageId: message.id,
        openThread: async (prompt) => {
          await message.startThread({ name: threadName(prompt) });
        },
      };
    },
    warn: (warning) => channel.warn(describeWarning(warning)),
  };
}

function describeProgress(progress: TurnProgress): string {
  switch (progress.kind) {
    case 'queued':
      return progress.ahead === 0 ? 'Waiting for a free slot: you are next.' : `Queued: ${progress.ahead} ahead of you.`;
    case 'retrying':
      return `Gemini is busy, retrying in ${progress.seconds} s…`;
  }
}

function describeWarning(warning: TurnWarning): string {
  switch (warning.kind) {
    case 'not-saved':
      return `I could not save this turn (reference ${warning.reference}), so a later edit will not include it. The image above is still yours.`;
    case 'no-thread':
      return 'I could not open a thread for this image. A server admin must give me the Create Public Threads permission in this channel.';
  }
}
