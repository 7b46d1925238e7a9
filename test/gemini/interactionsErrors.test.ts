import { describe, expect, it } from 'vitest';
import { readInteractionFailure, readStreamError } from '../../src/gemini/interactionsClient.js';
import { decideRetry } from '../../src/gemini/retryPolicy.js';

const perDay = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel' }] };

/** What the retry policy makes of a failure on the first attempt. */
const retried = (failure: ReturnType<typeof readStreamError>) => decideRetry(failure, 1, 1, () => 0.5).retry;

describe('Interactions errors inside a stream: the status their code names', () => {
  it.each([
    { code: 'https://ai.google.dev/errors/resource_exhausted', details: [perDay], status: 429, apiStatus: 'RESOURCE_EXHAUSTED', retry: false },
    { code: 'https://ai.google.dev/errors/invalid_argument', status: 400, apiStatus: 'INVALID_ARGUMENT', retry: false },
    { code: 'type.googleapis.com/google.rpc.Code/UNAVAILABLE', status: 503, apiStatus: 'UNAVAILABLE', retry: true },
    { code: 'unavailable', status: 503, apiStatus: 'UNAVAILABLE', retry: true },
    { code: 'https://ai.google.dev/errors/resource_exhausted#quota', status: 429, apiStatus: 'RESOURCE_EXHAUSTED', retry: true },
  ])('$code: $status, retried: $retry', ({ code, details, status, apiStatus, retry }) => {
    const failure = readStreamError({ code, message: 'it failed', ...(details ? { details } : {}) });
    expect(failure).toMatchObject({ kind: 'http', status, apiStatus, message: 'it failed' });
    expect(retried(failure)).toBe(retry);
  });

  it('an unknown code: shown as Gemini in trouble, never retried (it may be a quota or an invalid argument)', () => {
    const failure = readStreamError({ code: 'https://ai.google.dev/errors/something_new', message: 'new' });
    expect(failure).toMatchObject({ kind: 'http', status: 500, apiStatus: 'SOMETHING_NEW', statusGuessed: true });
    expect(retried(failure)).toBe(false);
    expect(retried(readStreamError({ unexpected: true }))).toBe(false);
  });

  it('an HTTP error keeps its HTTP status, whatever its code says, and is retried by it', () => {
    const failure = readInteractionFailure(503, JSON.stringify({ error: { code: 'https://ai.google.dev/errors/something_new', message: 'busy' } }));
    expect(failure).toMatchObject({ status: 503, apiStatus: 'SOMETHING_NEW' });
    expect(retried(failure)).toBe(true);
  });
});
