import { describe, expect, it, vi } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { startHarness, type Harness } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import { imagine, PATIENCE } from './helpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): the metrics and their labels are the same whichever transport calls Gemini.

function metricsUrl(harness: Harness, path: string): string {
  const address = harness.bot.metricsAddress;
  if (!address) throw new Error('the bot serves no metrics');
  return `http://127.0.0.1:${address.port}${path}`;
}

async function scrape(harness: Harness): Promise<string> {
  const response = await fetch(metricsUrl(harness, '/metrics'));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample in Prometheus text, matched by name and labels (any order); undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('health and metrics', () => {
  const harness = useHarness({ env: { METRICS_PORT: '0' } });

  it('answers /healthz with 200 while the gateway is connected and the store answers', async () => {
    const response = await fetch(metricsUrl(harness, '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { gateway: 'ok', store: 'ok' } });
  });

  it('counts a generation by model and outcome, times the Gemini call and its estimated cost', async () => {
    await imagine(harness, { prompt: 'a fox' });
    const text = await scrape(harness);
    const model = harness.config.geminiModel;
    expect(sample(text, 'nanobanana_generations_total', { model, outcome: 'images' })).toBe(1);
    expect(sample(text, 'nanobanana_gemini_request_duration_seconds_count', { model, result: 'ok' })).toBe(1);
    expect(sample(text, 'nanobanana_store_errors_total')).toBe(0);
    expect(sample(text, 'nanobanana_queue_depth')).toBe(0);
    expect(text).toContain('# HELP nanobanana_gemini_request_duration_seconds ');
    expect(sample(text, 'nanobanana_process_resident_memory_bytes')).toBeGreaterThan(0);
    // The slot is held until the result is stored, which ends just after the message appears; the cost is recorded once the post settles.
    await vi.waitFor(async () => expect(sample(await scrape(harness), 'nanobanana_generations_in_flight')).toBe(0), PATIENCE);
    await vi.waitFor(async () => expect(sample(await scrape(harness), 'nanobanana_estimated_spend_usd_total', { model })).toBeGreaterThan(0), PATIENCE);
  });

  it('counts a retried Gemini call once per retry, and each call in the latency histogram', async () => {
    harness.gemini.enqueue({ kind: 'error', status: 503 });
    await imagine(harness, { prompt: 'a fox' });
    const text = await scrape(harness);
    const model = harness.config.geminiModel;
    expect(sample(text, 'nanobanana_gemini_retries_total', { model })).toBe(1);
    expect(sample(text, 'nanobanana_gemini_request_duration_seconds_count', { model, result: 'http_503' })).toBe(1);
    expect(sample(text, 'nanobanana_gemini_request_duration_seconds_count', { model, result: 'ok' })).toBe(1);
  });

  it('turns /healthz to 503 naming the gateway when Discord drops the connection for good', async () => {
    // 4004 (authentication failed) is a close code discord.js does not reconnect after, so the outage lasts.
    harness.discord.disconnectAll(4004);
    await vi.waitFor(async () => {
      const response = await fetch(metricsUrl(harness, '/healthz'));
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', checks: { gateway: 'down', store: 'ok' } });
    }, PATIENCE);
  });

  it('answers 404 to an unknown path and 405 to anything but GET', async () => {
    expect((await fetch(metricsUrl(harness, '/'))).status).toBe(404);
    expect((await fetch(metricsUrl(harness, '/metrics/extra'))).status).toBe(404);
    const posted = await fetch(metricsUrl(harness, '/metrics'), { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET');
  });
});

describe('queue gauges', () => {
  const harness = useHarness({ env: { METRICS_PORT: '0', GEMINI_CONCURRENCY: '1' } });

  it('show the generation holding the one Gemini slot and the one waiting behind it', async () => {
    harness.gemini.enqueue({ kind: 'hang' });
    const prompt = (value: string) => [{ name: 'prompt', type: 3, value }];
    harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'imagine', options: prompt('first') });
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(1), PATIENCE);
    harness.discord.sendSlashCommand({ user: harness.discord.users.bob, name: 'imagine', options: prompt('second') });
    await vi.waitFor(async () => {
      const text = await scrape(harness);
      expect([sample(text, 'nanobanana_generations_in_flight'), sample(text, 'nanobanana_queue_depth')]).toEqual([1, 1]);
    }, PATIENCE);
    // Gemini never answers: interrupt both now rather than after the harness's grace period.
    await harness.bot.stop(0);
  });
});

describe('without METRICS_PORT', () => {
  const harness = useHarness();

  it('serves nothing', () => {
    expect(harness.bot.metricsAddress).toBeUndefined();
  });
});

describe('with METRICS_PORT already in use', () => {
  it('refuses to start with one error naming METRICS_PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(startHarness({ env: { METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' } })).rejects.toThrow(`METRICS_PORT: cannot listen on 127.0.0.1:${port}`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

