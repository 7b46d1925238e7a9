import type { BenchTarget } from './benchTarget.js';
import { dispatchImagine, forgetRequestLogs, imagineChannel, waitForThreadOf } from './benchDriver.js';

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
 */
export async function measureOverhead(target: BenchTarget, options: OverheadOptions): Promise<number[]> {
  const overheadMs: number[] = [];
  for (let turn = 0; turn < options.warmups + options.generations; turn += 1) {
    target.gemini.enqueue({ kind: 'image', imageBytes: options.imageBytes });
    const { dispatchedAt, posted } = dispatchImagine(target, `bench image ${turn}`, imagineChannel(target, turn));
    const { message, postedAt } = await posted;
    if (turn >= options.warmups) overheadMs.push(postedAt - dispatchedAt);
    await waitForThreadOf(target, message);
    forgetRequestLogs(target);
  }
  return overheadMs;
}
