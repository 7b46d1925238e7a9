import { describe, expect, it } from 'vitest';
import { decideDeleteRetry, decideRetry } from '../../src/gemini/retryPolicy.js';
import type { GeminiFailure } from '../../src/gemini/generationOutcome.js';

const http = (status: number, extra: Partial<Extract<GeminiFailure, { kind: 'http' }>> = {}): GeminiFailure => ({
  kind: 'http',
  status,
  apiStatus: undefined,
  message: 'x',
  ...extra,
});
const middle = () => 0.5; // jitter factor exactly 1

describe('the retry policy', () => {
  it('waits what RetryInfo asks for after a 429', () => {
    expect(decideRetry(http(429, { retryDelayMs: 57_200 }), 1, 1_000, middle)).toEqual({ retry: true, delayMs: 57_200 });
  });

  it('does not wait out a RetryInfo longer than 90 seconds, nor a daily quota', () => {
    expect(decideRetry(http(429, { retryDelayMs: 90_000 }), 1, 1_000)).toEqual({ retry: true, delayMs: 90_000 });
    expect(decideRetry(http(429, { retryDelayMs: 90_001 }), 1, 1_000)).toEqual({ retry: false });
    expect(decideRetry(http(429, { quotaPeriod: 'day', retryDelayMs: 1_000 }), 1, 1_000)).toEqual({ retry: false });
  });

  it('backs off exponentially with jitter for 429 without RetryInfo, 5xx and dropped connections', () => {
    for (const failure of [http(429), http(500), http(502), http(503), http(504), { kind: 'network', message: 'ECONNRESET' } as const]) {
      expect([1, 2, 3].map((attempt) => decideRetry(failure, attempt, 1_000, middle))).toEqual([
        { retry: true, delayMs: 1_000 },
        { retry: true, delayMs: 2_000 },
        { retry: true, delayMs: 4_000 },
      ]);
    }
    expect(decideRetry(http(503), 1, 1_000, () => 0)).toEqual({ retry: true, delayMs: 500 });
    expect(decideRetry(http(503), 1, 1_000, () => 0.999)).toEqual({ retry: true, delayMs: 1_499 });
  });

  it('stops after 4 attempts: one try and three retries', () => {
    expect(decideRetry(http(503), 3, 1_000, middle)).toEqual({ retry: true, delayMs: 4_000 });
    expect(decideRetry(http(503), 4, 1_000)).toEqual({ retry: false });
  });

  it('never retries what would fail the same way again', () => {
    for (const failure of [http(400), http(403), http(404), { kind: 'timeout' } as const, { kind: 'malformed', message: 'x' } as const, { kind: 'interrupted' } as const, { kind: 'unsendable', message: 'x' } as const]) {
      expect(decideRetry(failure, 1, 1_000)).toEqual({ retry: false });
    }
  });
});

describe('the DELETE retry policy', () => {
  it('retries a timeout too (a DELETE is idempotent), backing off as for a dropped connection', () => {
    expect(decideDeleteRetry({ kind: 'timeout' }, 1, 1_000, middle)).toEqual({ retry: true, delayMs: 1_000 });
    expect(decideDeleteRetry({ kind: 'timeout' }, 4, 1_000, middle)).toEqual({ retry: false });
  });

  it('waits at least the delay Google names, on a 503 too, within the same bound; gives up on what would fail again', () => {
    expect(decideDeleteRetry(http(503, { retryDelayMs: 5_000 }), 1, 1_000, middle)).toEqual({ retry: true, delayMs: 5_000 });
    expect(decideDeleteRetry(http(503, { retryDelayMs: 90_001 }), 1, 1_000, middle)).toEqual({ retry: false });
    expect(decideDeleteRetry(http(429, { retryDelayMs: 7_000 }), 1, 1_000, middle)).toEqual({ retry: true, delayMs: 7_000 });
    for (const failure of [http(400), http(403), { kind: 'interrupted' } as const]) expect(decideDeleteRetry(failure, 1, 1_000, middle)).toEqual({ retry: false });
  });
});
