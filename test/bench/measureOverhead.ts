import type { BenchTarget } from './benchTarget.js';
import { dispatchImagine, forgetRequestLogs, imagineChannel, waitForThreadOf } from './benchDriver.js';
import type { TurnByTurn } from './turnByTurn.js';

export interface OverheadOptions {
  warmups: number;
  generations: number;
  imageBytes: number;
}

/**
 * Sequential /imagine turns against a Gemini that answers at once: the time
 * from dispatch to the image message is then all overhead (the bot's, plus
 * the emulators' share of HTTP, JSON and the gateway). Each turn runs to its
 * end (thread opened) before the next starts, so no turn pays for another.
 * Taken one turn at a time (inLockstep runs it).
 */
export function measureOverhead(target: BenchTarget, options: OverheadOptions): TurnByTurn<number[]> {
  const overheadMs: number[] = [];
  return {
    turns: options.warmups + options.generations,
    async runTurn(turn) {
      target.gemini.enqueue({ kind: 'image', imageBytes: options.imageBytes });
      const { dispatchedAt, posted } = dispatchImagine(target, `bench image ${turn}`, imagineChannel(target, turn));
      const { message, postedAt } = await posted;
      if (turn >= options.warmups) overheadMs.push(postedAt - dispatchedAt);
      await waitForThreadOf(target, message);
      forgetRequestLogs(target);
    },
    result: () => overheadMs,
  };
}
