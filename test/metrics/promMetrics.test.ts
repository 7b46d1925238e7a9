import { describe, expect, it } from 'vitest';
import { PromMetrics } from '../../src/metrics/promMetrics.js';

const idleQueue = { depth: 0, inFlight: 0 };

describe('PromMetrics', () => {
  it('keeps each bot in its own registry, so two bots in one process do not collide', async () => {
    const first = new PromMetrics({ queue: idleQueue, processMetrics: false });
    const second = new PromMetrics({ queue: { depth: 3, inFlight: 2 }, processMetrics: false });
    first.recordGeneration('gemini-3-pro-image', 'images', 2);
    expect(await first.registry.metrics()).toContain('nanobanana_gemini_retries_total{model="gemini-3-pro-image"} 2');
    const secondText = await second.registry.metrics();
    expect(secondText).not.toContain('nanobanana_generations_total{');
    expect(secondText).toContain('nanobanana_queue_depth 3');
    expect(secondText).toContain('nanobanana_generations_in_flight 2');
  });

  it('adds estimated spend per model and ignores generations that cost nothing', async () => {
    const metrics = new PromMetrics({ queue: idleQueue, processMetrics: false });
    metrics.recordSpend({ model: 'gemini-3-pro-image', costUsd: 0.134 });
    metrics.recordSpend({ model: 'gemini-3-pro-image', costUsd: 0.24 });
    metrics.recordSpend({ model: 'gemini-3.1-flash-image', costUsd: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/nanobanana_estimated_spend_usd_total\{model="gemini-3-pro-image"\} 0\.37\d*/);
    expect(text).not.toContain('model="gemini-3.1-flash-image"');
  });

  it('labels Gemini calls from a small closed set, never with error text', async () => {
    const metrics = new PromMetrics({ queue: idleQueue, processMetrics: false });
    const model = 'gemini-3-pro-image';
    metrics.observeGeminiCall({ model, seconds: 12, result: { ok: true, json: {} } });
    metrics.observeGeminiCall({ model, seconds: 1, result: { ok: false, failure: { kind: 'http', status: 429, apiStatus: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for x' } } });
    metrics.observeGeminiCall({ model, seconds: 1, result: { ok: false, failure: { kind: 'network', message: 'ECONNRESET 10.0.0.1' } } });
    metrics.observeGeminiCall({ model, seconds: 180, result: { ok: false, failure: { kind: 'timeout' } } });
    const text = await metrics.registry.metrics();
    const results = [...text.matchAll(/nanobanana_gemini_request_duration_seconds_count\{model="gemini-3-pro-image",result="([^"]*)"\} 1/g)].map((match) => match[1]);
    expect(results.sort()).toEqual(['http_429', 'network', 'ok', 'timeout']);
    expect(text).not.toMatch(/Quota exceeded|ECONNRESET/);
  });
});
