import { performance } from 'node:perf_hooks';
import type { BenchTarget } from './benchTarget.js';
import { dispatchImagine, forgetRequestLogs, replyInThread, waitForThreadOf } from './benchDriver.js';

export interface ThreadEditOptions {
  /** Turns the thread holds before the first timed edit (the /imagine included). */
  historyTurns: number;
  edits: number;
  imageBytes: number;
}

/**
 * A long thread's edits: /imagine and replies up to `historyTurns`, then
 * `edits` more replies to the latest image, timed from the member's message
 * to the bot's image. Each edit starts once the one before is saved, so none
 * waits for another. Past about 7 turns of 2 MB images the bot's history
 * budget (20 MB) leaves the oldest out, so every timed edit sends the same
 * amount; the minimal bot replays it all (15 to 34 images, up to 91 MB).
 */
export async function measureThreadEdits(target: BenchTarget, options: ThreadEditOptions): Promise<number[]> {
  target.gemini.enqueue({ kind: 'image', imageBytes: options.imageBytes });
  const { posted } = dispatchImagine(target, 'a lighthouse at dusk');
  let latest = (await posted).message;
  await waitForThreadOf(target, latest);
  const threadId = latest.id; // a thread opened from a message has that message's id
  const editMs: number[] = [];
  for (let turn = 2; turn <= options.historyTurns + options.edits; turn += 1) {
    target.gemini.enqueue({ kind: 'image', imageBytes: options.imageBytes });
    const sentAt = performance.now();
    const answer = await replyInThread(target, threadId, latest, `edit number ${turn}`);
    if (turn > options.historyTurns) editMs.push(answer.postedAt - sentAt);
    latest = answer.message;
    await target.waitForStoredTurns(threadId, turn);
    forgetRequestLogs(target);
  }
  return editMs;
}
