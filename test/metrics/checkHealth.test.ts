import { describe, expect, it } from 'vitest';
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
    const started = Date.now();
    const report = await checkHealth({ gatewayReady: () => true, readStore: () => new Promise(() => undefined), storeTimeoutMs: 50 });
    expect(report).toEqual({ healthy: false, checks: { gateway: 'ok', store: 'down' } });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
