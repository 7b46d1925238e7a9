import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/startMetricsServer.js';

/** The server on a free loopback port, healthy, with an empty registry: only its routes are under test here. */
let server: MetricsServer;
beforeAll(async () => {
  server = await startMetricsServer({
    host: '127.0.0.1',
    port: 0,
    registry: new Registry(),
    checkHealth: async () => ({ healthy: true, checks: { gateway: 'ok', store: 'ok' } }),
    logger: pino({ level: 'silent' }),
  });
});
afterAll(() => server.close());

const status = async (method: string, path: string) => (await fetch(`http://127.0.0.1:${server.address.port}${path}`, { method })).status;

describe('the metrics server\'s routes', () => {
  it('answers GET on /healthz and /metrics, whatever the query string', async () => {
    expect(await status('GET', '/healthz')).toBe(200);
    expect(await status('GET', '/metrics?name[]=x')).toBe(200);
  });

  it('refuses other methods on those paths, and knows no other path', async () => {
    const refused = await fetch(`http://127.0.0.1:${server.address.port}/metrics`, { method: 'POST' });
    expect([refused.status, refused.headers.get('allow')]).toEqual([405, 'GET']);
    expect(await status('HEAD', '/healthz')).toBe(405);
    for (const path of ['/', '/healthz/', '/metrics/x', '/favicon.ico']) {
      expect(await status('GET', path)).toBe(404);
    }
    expect(await status('DELETE', '/admin')).toBe(404);
  });
});
