import { describe, expect, it, vi } from 'vitest';
import { checkHealth } from '../../src/metrics/checkHealth.js';

const answers = () => Promise.resolve(undefined);

describe('checkHealth', () => {
  it('is healthy only when the gateway is ready and the store answers', async () => {
    expect(await checkHealth({ gatewayReady: () => true, readStore: answers, storeTimeoutMs: 100 })).toEqual({
      healthy: true,
      checks: { gateway: 'ok', store: 'ok' },
    });
  });

  it('names the gateway when it is not ready', async () => {
    expect(await checkHealth({ gatewayReady: () => false, readStore: answers, storeTimeoutMs: 100 })).toEqual({
      healthy: false,
      checks: { gateway: 'down', store: 'ok' },
    });
  });

  it('names the store when a read fails, rejecting or throwing at once', async () => {
    const rejects = () => Promise.reject(new Error('SQLITE_CANTOPEN'));
    const throws = () => {
      throw new Error('closed');
    };
    for (const readStore of [rejects, throws]) {
      expect((await checkHealth({ gatewayReady: () => true, readStore, storeTimeoutMs: 100 })).checks.store).toBe('down');
    }
  });

  it('names the store when a read does not answer in time, without waiting for it', async () => {
    // A fake clock: the answer comes exactly at the timeout, not a moment before, however busy the machine.
    vi.useFakeTimers();
    try {
      let report: unknown;
      void checkHealth({ gatewayReady: () => true, readStore: () => new Promise(() => undefined), storeTimeoutMs: 5_000 }).then((answer) => (report = answer));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(report).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(report).toEqual({ healthy: false, checks: { gateway: 'ok', store: 'down' } });
    } finally {
      vi.useRealTimers();
    }
  });
});
