import type { Logger } from 'pino';
import type { PauseGate, Timers } from '../lines/pauseGate.js';
import type { GeminiClientOptions } from './geminiCall.js';
import type { GeminiFailure } from './generationOutcome.js';
import { deleteInteraction } from './interactionsClient.js';
import { decideDeleteRetry } from './retryPolicy.js';

/** What the DELETEs of one batch share: its pause (a 429 holds them all), its clock, and shutdown. */
export interface DeleteBatch {
  pause: PauseGate;
  timers: Timers;
  /** Shutdown: no new try starts and no wait goes on after it aborts. */
  signal?: AbortSignal | undefined;
  /** Aborts a little after shutdown: a DELETE in flight is given up then (deleteInteraction's `cut`). */
  cut?: AbortSignal | undefined;
}

export interface DeleteDependencies {
  client: Pick<GeminiClientOptions, 'apiUrl' | 'apiKey' | 'timeoutMs' | 'dispatcher'>;
  logger: Logger;
  retryBaseDelayMs: number;
  /** One DELETE (deleteInteraction unless a test answers in its own order). */
  deleteOnce?: typeof deleteInteraction | undefined;
}

/**
 * One stored interaction's DELETE, asked again after a transient failure (a
 * 429, a 5xx, a timeout, a dropped connection) as decideDeleteRetry says. A
 * 429 pauses the whole batch for its delay (RetryInfo or Retry-After, else
 * the backoff): the other DELETEs would only meet the same rate limit. True
 * when Google confirmed it gone; never rejects; each outcome logged.
 */
export async function deleteWithRetries(deps: DeleteDependencies, id: string, batch: DeleteBatch): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await batch.pause.passed(batch.signal);
    } catch {
      return notConfirmed(deps, id, attempt - 1, 'shutdown began before it was asked again');
    }
    const answer = await (deps.deleteOnce ?? deleteInteraction)(deps.client, id, batch.cut);
    if (answer.ok) {
      deps.logger.info({ interactionId: id }, 'deleted the interaction Google stored');
      return true;
    }
    const problem = describe(answer.failure);
    const decision = batch.signal?.aborted ? { retry: false as const } : decideDeleteRetry(answer.failure, attempt, deps.retryBaseDelayMs);
    if (!decision.retry) return notConfirmed(deps, id, attempt, problem);
    deps.logger.info({ interactionId: id, problem, delayMs: decision.delayMs, attempt }, 'Google did not delete the interaction yet; asking again');
    if (answer.failure.kind === 'http' && answer.failure.status === 429) {
      // The next try waits at the gate with the rest of the batch.
      batch.pause.pauseFor(decision.delayMs);
      continue;
    }
    try {
      await batch.timers.sleep(decision.delayMs, batch.signal);
    } catch {
      return notConfirmed(deps, id, attempt, `${problem}; shutdown began before it was asked again`);
    }
  }
}

/** What happens to the id is the caller's to say (a Delete keeps it owed; a deleted thread's record is gone). */
function notConfirmed(deps: DeleteDependencies, id: string, attempts: number, problem: string): false {
  deps.logger.warn({ interactionId: id, problem, attempts }, 'Google did not confirm the interaction deleted');
  return false;
}

function describe(failure: GeminiFailure): string {
  switch (failure.kind) {
    case 'http':
      return `HTTP ${failure.status}${failure.apiStatus ? ` ${failure.apiStatus}` : ''}`;
    case 'timeout':
      return 'no answer in time';
    case 'interrupted':
      return 'given up at shutdown';
    default:
      return failure.message;
  }
}
