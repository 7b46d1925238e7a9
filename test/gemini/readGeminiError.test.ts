import { describe, expect, it } from 'vitest';
import { readRetryAfter, readStreamedError } from '../../src/gemini/readGeminiError.js';
import { decideRetry } from '../../src/gemini/retryPolicy.js';

/** Whether the retry policy tries again after this failure on a first attempt. */
const retried = (failure: ReturnType<typeof readStreamedError>) => decideRetry(failure, 1, 1, () => 0.5).retry;

describe('an error inside a stream that gives a google.rpc.Code number', () => {
  // google/rpc/code.proto: each code's HTTP mapping.
  it.each([
    [1, 499, 'CANCELLED', false],
    [2, 500, 'UNKNOWN', true],
    [3, 400, 'INVALID_ARGUMENT', false],
    [4, 504, 'DEADLINE_EXCEEDED', true],
    [5, 404, 'NOT_FOUND', false],
    [6, 409, 'ALREADY_EXISTS', false],
    [7, 403, 'PERMISSION_DENIED', false],
    [8, 429, 'RESOURCE_EXHAUSTED', true],
    [9, 400, 'FAILED_PRECONDITION', false],
    [10, 409, 'ABORTED', false],
    [11, 400, 'OUT_OF_RANGE', false],
    [12, 501, 'UNIMPLEMENTED', false],
    [13, 500, 'INTERNAL', true],
    [14, 503, 'UNAVAILABLE', true],
    [15, 500, 'DATA_LOSS', true],
    [16, 401, 'UNAUTHENTICATED', false],
  ])('code %i reads as HTTP %i (%s), retried: %s', (code, status, apiStatus, retry) => {
    const failure = readStreamedError({ error: { code, message: 'it failed' } });
    expect(failure).toEqual({ kind: 'http', status, apiStatus, message: 'it failed', retryDelayMs: undefined, quotaPeriod: undefined });
    expect(retried(failure)).toBe(retry);
  });

  it('RESOURCE_EXHAUSTED waits what its RetryInfo asks, and a per-day quota is not retried', () => {
    const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12.5s' };
    expect(decideRetry(readStreamedError({ error: { code: 8, details: [retryInfo] } }), 1, 1)).toEqual({ retry: true, delayMs: 12_500 });
    const perDay = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel' }] };
    expect(retried(readStreamedError({ error: { code: 8, details: [perDay] } }))).toBe(false);
  });

  it('the status name wins over the number, as the HTTP status would', () => {
    expect(readStreamedError({ error: { code: 14, status: 'INVALID_ARGUMENT' } })).toMatchObject({ status: 400, apiStatus: 'INVALID_ARGUMENT' });
  });

  it('no status at all (no code, 0, a number outside google.rpc.Code, a body that is not an error object) is guessed and never retried', () => {
    for (const body of [{ error: { message: 'something new' } }, { error: { code: 0 } }, { error: { code: 17 } }, { error: { code: 14.5 } }, { error: 'boom' }]) {
      const failure = readStreamedError(body);
      expect(failure, JSON.stringify(body)).toMatchObject({ kind: 'http', status: 500, statusGuessed: true });
      expect(retried(failure)).toBe(false);
    }
  });
});

describe('readRetryAfter', () => {
  it('reads delay-seconds and an HTTP-date, never below zero, and nothing from an absent or unreadable header', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(readRetryAfter('3', now)).toBe(3_000);
    expect(readRetryAfter(['12'], now)).toBe(12_000);
    expect(readRetryAfter('Mon, 07 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(readRetryAfter('Mon, 07 Dec 2026 11:59:00 GMT', now)).toBe(0);
    expect(readRetryAfter(undefined, now)).toBeUndefined();
    expect(readRetryAfter('soon', now)).toBeUndefined();
    expect(readRetryAfter('-5', now)).toBeUndefined();
  });
});
