import { abortSoonAfter } from '../lines/abortSoonAfter.js';
import { eachAtMost } from '../lines/eachAtMost.js';
import { PauseGate, realTimers, type Timers } from '../lines/pauseGate.js';
import { deleteWithRetries, type DeleteDependencies } from './deleteWithRetries.js';

/**
 * How many DELETEs go to Google at once: a deleted channel asks for all its
 * threads' interactions together, hundreds maybe, each with a timeout of its
 * own; one by one a slow Google would take minutes, all at once a burst.
 */
const DELETES_AT_ONCE = 4;

/**
 * How long a DELETE already in flight when shutdown begins may still take: under startBot's INTERRUPT_FLUSH_MS
 * (2.5 s), so the forgetting ends, and its caller names what Google did not confirm, before the process exits.
 */
const ANSWER_AFTER_STOP_MS = 2_000;

/**
 * Deletes interactions Google stores, a few at a time, each asked again after
 * a transient failure (deleteWithRetries; a 429 pauses the batch), best
 * effort: each outcome logged, never rejects. Returns the ids Google did not
 * confirm gone (a 2xx or a 404 does), in the order asked: what becomes of
 * them is the caller's to say and log. Once `signal` aborts (shutdown) no
 * DELETE starts and no retry waits; those never sent are logged in one line.
 * With `firstTryAfterStop`, each id's first DELETE still goes after the abort
 * and only retries stop: for what a turn the stop cut off leaves at Google,
 * which it asks for after the signal and nothing else could ever reach.
 * A DELETE in flight then is given up ANSWER_AFTER_STOP_MS after the abort
 * (or after the call, when it came later).
 * Used whatever GEMINI_API is now: a thread may hold interactions from before
 * an operator switched back to generate-content, and the README promises
 * Delete removes them.
 */
export async function forgetInteractions(
  deps: DeleteDependencies & { timers?: Timers | undefined },
  interactionIds: readonly string[],
  options: { signal?: AbortSignal | undefined; firstTryAfterStop?: boolean | undefined } = {},
): Promise<string[]> {
  const timers = deps.timers ?? realTimers;
  const cut = abortSoonAfter(options.signal, ANSWER_AFTER_STOP_MS);
  try {
    const batch = { pause: new PauseGate(timers), timers, signal: options.signal, cut: cut.signal };
    const { results, notStarted } = await eachAtMost(interactionIds, DELETES_AT_ONCE, (id) => deleteWithRetries(deps, id, batch), {
      signal: options.firstTryAfterStop ? undefined : options.signal,
    });
    if (notStarted.length > 0) deps.logger.warn({ interactionIds: notStarted }, 'shutdown began before these interactions were asked to be deleted at Google');
    return interactionIds.filter((_, index) => results[index] !== true);
  } finally {
    cut.dispose();
  }
}
