import type { GeminiFailure } from './generationOutcome.js';

/** One first try and up to three retries: at least two retries for transient errors, as the issue asks. */
const MAX_ATTEMPTS = 4;

/** A RetryInfo delay longer than this is not waited out: the user is told to come back instead. */
const MAX_RETRY_DELAY_MS = 90_000;

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/**
 * Whether a failed Gemini call is worth another try, and when. The one place
 * this policy lives: undici's RetryAgent does not retry POST by default and
 * cannot read google.rpc.RetryInfo from a JSON body.
 *
 * - 429: wait what RetryInfo says; without it, back off exponentially. A
 *   per-day quota will not clear in minutes, so it is not retried.
 * - 500, 502, 503, 504 and dropped connections are transient: back off,
 *   as is a streamed answer cut off midway (nothing of it was kept).
 * - 400, 403, 404 will fail the same way again. A timeout already cost the
 *   user minutes, so it is not repeated either; nor is an error whose
 *   status had to be guessed (statusGuessed).
 */
export function decideRetry(failure: GeminiFailure, attemptsMade: number, baseDelayMs: number, random: () => number = Math.random): RetryDecision {
  if (attemptsMade >= MAX_ATTEMPTS) return { retry: false };
  const backoff = () => ({ retry: true as const, delayMs: Math.round(baseDelayMs * 2 ** (attemptsMade - 1) * (0.5 + random())) });
  switch (failure.kind) {
    case 'network':
    case 'cut':
      return backoff();
    case 'http':
      if (failure.statusGuessed) return { retry: false };
      if (failure.status === 429) {
        if (failure.quotaPeriod === 'day') return { retry: false };
        if (failure.retryDelayMs !== undefined) {
          return failure.retryDelayMs <= MAX_RETRY_DELAY_MS ? { retry: true, delayMs: failure.retryDelayMs } : { retry: false };
        }
        return backoff();
      }
      return [500, 502, 503, 504].includes(failure.status) ? backoff() : { retry: false };
    case 'timeout':
    case 'malformed':
    case 'interrupted':
    case 'unsendable':
      return { retry: false };
  }
}

/**
 * Whether to ask Google again to DELETE a stored interaction. The same policy
 * as a call's, except that a timeout is retried too: a DELETE is idempotent
 * and small, costs no member any wait, and an id never confirmed gone may stay
 * at Google for its whole retention. A retried failure that names a delay (a
 * 503's Retry-After, say) waits at least that long, within the same bound as
 * RetryInfo's.
 */
export function decideDeleteRetry(failure: GeminiFailure, attemptsMade: number, baseDelayMs: number, random: () => number = Math.random): RetryDecision {
  const decision = decideRetry(failure.kind === 'timeout' ? { kind: 'network', message: 'timed out' } : failure, attemptsMade, baseDelayMs, random);
  if (!decision.retry || failure.kind !== 'http' || failure.retryDelayMs === undefined) return decision;
  if (failure.retryDelayMs > MAX_RETRY_DELAY_MS) return { retry: false };
  return { retry: true, delayMs: Math.max(decision.delayMs, failure.retryDelayMs) };
}
