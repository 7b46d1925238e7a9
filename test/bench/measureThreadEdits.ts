import { performance } from 'node:perf_hooks';
import type { StoredMessage } from '../emulators/discord/index.js';
import type { BenchTarget } from './benchTarget.js';
import { dispatchImagine, forgetRequestLogs, replyInThread, waitForThreadOf } from './benchDriver.js';
import type { TurnByTurn } from './turnByTurn.js';

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
 * Taken one turn at a time (inLockstep runs it): turn 0 is the /imagine.
 */
export function measureThreadEdits(target: BenchTarget, options: ThreadEditOptions): TurnByTurn<number[]> {
  const editMs: number[] = [];
  let latest: StoredMessage | undefined;
  let threadId = '';
  return {
    turns: options.historyTurns + options.edits,
    async runTurn(index) {
      target.gemini.enqueue({ kind: 'image', imageBytes: options.imageBytes });
      if (!latest) {
        const { posted } = dispatchImagine(target, 'a lighthouse at dusk');
        latest = (await posted).message;
        await waitForThreadOf(target, latest);
        threadId = latest.id; // a thread opened from a message has that message's id
        return;
      }
      const turn = index + 1;
      const sentAt = performance.now();
      const answer = await replyInThread(target, threadId, latest, `edit number ${turn}`);
      if (turn > options.historyTurns) editMs.push(answer.postedAt - sentAt);
      latest = answer.message;
      await target.waitForStoredTurns(threadId, turn);
      forgetRequestLogs(target);
    },
    result: () => editMs,
  };
}
