import { MockAgent } from 'undici';
import { describe, expect, it, vi } from 'vitest';
import { forgetInteractions } from '../../src/gemini/forgetInteractions.js';
import type { DeleteAnswer } from '../../src/gemini/interactionsClient.js';
import type { Timers } from '../../src/lines/pauseGate.js';
import { createLogger } from '../../src/logging/createLogger.js';

const client = { apiUrl: 'http://g.test/v1beta', apiKey: 'k', timeoutMs: 5_000 };

/** A clock that moves only when the bot waits on it: every wait is recorded and over at once. */
function instantTimers(): Timers & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      waits.push(ms);
      now += ms;
    },
  };
}

/** Google's DELETE on a MockAgent: `answer` says, for each id's nth call (from 1), the status and headers and body. */
function google(answer: (id: string, nth: number) => { status: number; body?: unknown; headers?: Record<string, string> }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const calls: string[] = [];
  agent
    .get('http://g.test')
    .intercept({ path: /\/v1beta\/interactions\/.*/, method: 'DELETE' })
    .reply((options) => {
      const id = decodeURIComponent(String(options.path).split('/').at(-1) ?? '');
      calls.push(id);
      const { status, body, headers } = answer(id, calls.filter((called) => called === id).length);
      return { statusCode: status, data: JSON.stringify(body ?? {}), responseOptions: { headers: headers ?? {} } };
    })
    .persist();
  return { agent, calls };
}

const exhausted = (retryDelay?: string) => ({
  error: {
    code: 'resource_exhausted',
    message: 'Resource has been exhausted (e.g. check quota).',
    details: retryDelay ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }] : [],
  },
});

const ids = Array.from({ length: 20 }, (_, index) => `id${index}`);

describe('forgetInteractions', () => {
  it('asks again after a 429, a 5xx or a dropped answer, and confirms every id', async () => {
    const failures = [{ status: 429, body: exhausted() }, { status: 503 }, { status: 500 }];
    const { agent, calls } = google((id, nth) => (nth === 1 ? failures[Number(id.slice(2)) % 3]! : { status: 200 }));
    const timers = instantTimers();
    const left = await forgetInteractions({ client: { ...client, dispatcher: agent }, logger: createLogger('silent'), retryBaseDelayMs: 1_000, timers }, ids);
    expect(left).toEqual([]);
    expect(calls).toHaveLength(40);
  });

  it('gives up on an id after a few tries, each after a longer wait, and returns the ids left in the order asked', async () => {
    const { agent, calls } = google(() => ({ status: 429, body: exhausted() }));
    const timers = instantTimers();
    const left = await forgetInteractions({ client: { ...client, dispatcher: agent }, logger: createLogger('silent'), retryBaseDelayMs: 1_000, timers }, ids);
    expect(left).toEqual(ids);
    // One try and three more for each: bounded.
    expect(calls).toHaveLength(80);
  });

  it('waits what Google asks for: RetryInfo, else the Retry-After header', async () => {
    const { agent } = google((id, nth) => {
      if (nth > 1) return { status: 200 };
      return id === 'info' ? { status: 429, body: exhausted('7s') } : { status: 429, body: exhausted(), headers: { 'retry-after': '3' } };
    });
    for (const id of ['info', 'header']) {
      const timers = instantTimers();
      expect(await forgetInteractions({ client: { ...client, dispatcher: agent }, logger: createLogger('silent'), retryBaseDelayMs: 1, timers }, [id])).toEqual([]);
      expect(timers.waits).toEqual([id === 'info' ? 7_000 : 3_000]);
    }
  });

  it('does not ask again for what another try would only repeat (a 403), nor a per-day quota', async () => {
    const perDay = { error: { code: 'resource_exhausted', message: 'quota', details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'RequestsPerDayPerProject' }] }] } };
    const { agent, calls } = google((id) => (id === 'refused' ? { status: 403 } : { status: 429, body: perDay }));
    const left = await forgetInteractions({ client: { ...client, dispatcher: agent }, logger: createLogger('silent'), retryBaseDelayMs: 1, timers: instantTimers() }, ['refused', 'daily']);
    expect(left).toEqual(['refused', 'daily']);
    expect(calls.sort()).toEqual(['daily', 'refused']);
  });

  it('holds every DELETE of the batch while a 429\'s delay runs, not only the refused one', async () => {
    const answers = new Map<string, (answer: DeleteAnswer) => void>();
    const sent: string[] = [];
    const deleteOnce = (_: unknown, id: string) => {
      sent.push(id);
      if (id === 'a' && sent.filter((one) => one === 'a').length === 1) return Promise.resolve<DeleteAnswer>({ ok: false, failure: { kind: 'http', status: 429, apiStatus: 'RESOURCE_EXHAUSTED', message: 'slow down', retryDelayMs: 30_000 } });
      return new Promise<DeleteAnswer>((resolve) => answers.set(id, resolve));
    };
    // The waits are held until the test lets the clock move on.
    let now = 0;
    const waiting: Array<{ ms: number; done: () => void }> = [];
    const timers: Timers = {
      now: () => now,
      sleep: (ms) => new Promise<void>((resolve) => waiting.push({ ms, done: resolve })),
    };
    const forgetting = forgetInteractions({ client, logger: createLogger('silent'), retryBaseDelayMs: 1, timers, deleteOnce }, ['a', 'b', 'c', 'd', 'e']);
    // a was refused and waits at the pause; b, c and d are in flight.
    await vi.waitFor(() => expect(waiting.map((wait) => wait.ms)).toEqual([30_000]));
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    answers.get('b')!({ ok: true });
    // b's place takes e, which waits at the pause instead of meeting the same rate limit.
    await vi.waitFor(() => expect(waiting.map((wait) => wait.ms)).toEqual([30_000, 30_000]));
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    now += 30_000;
    for (const wait of waiting.splice(0)) wait.done();
    await vi.waitFor(() => expect([...sent].sort()).toEqual(['a', 'a', 'b', 'c', 'd', 'e']));
    for (const id of ['a', 'c', 'd', 'e']) answers.get(id)!({ ok: true });
    expect(await forgetting).toEqual([]);
  });

  it('once shutdown began, sends nothing more and waits no more: what was never sent is named in one line', async () => {
    const sent: string[] = [];
    const answers = new Map<string, (answer: DeleteAnswer) => void>();
    const deleteOnce = (_: unknown, id: string) => (sent.push(id), new Promise<DeleteAnswer>((resolve) => answers.set(id, resolve)));
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const stopping = new AbortController();
    const forgetting = forgetInteractions({ client, logger, retryBaseDelayMs: 1, timers: instantTimers(), deleteOnce }, ['a', 'b', 'c', 'd', 'e', 'f'], { signal: stopping.signal });
    await vi.waitFor(() => expect(sent).toEqual(['a', 'b', 'c', 'd']));
    stopping.abort();
    // a answers 503 (no retry now), the rest confirm: neither e nor f is sent.
    answers.get('a')!({ ok: false, failure: { kind: 'http', status: 503, apiStatus: 'UNAVAILABLE', message: 'busy' } });
    for (const id of ['b', 'c', 'd']) answers.get(id)!({ ok: true });
    expect(await forgetting).toEqual(['a', 'e', 'f']);
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    const notSent = lines.filter((line) => String(line['msg']).startsWith('shutdown began before these interactions were asked'));
    expect(notSent.map((line) => line['interactionIds'])).toEqual([['e', 'f']]);
  });

  it('with firstTryAfterStop, sends each id once although shutdown already began, and asks none again', async () => {
    const sent: string[] = [];
    const deleteOnce = (_: unknown, id: string) => {
      sent.push(id);
      return Promise.resolve<DeleteAnswer>(id === 'gone' ? { ok: true } : { ok: false, failure: { kind: 'http', status: 503, apiStatus: 'UNAVAILABLE', message: 'busy' } });
    };
    const stopped = AbortSignal.abort();
    const timers = instantTimers();
    const left = await forgetInteractions({ client, logger: createLogger('silent'), retryBaseDelayMs: 1, timers, deleteOnce }, ['a', 'gone', 'b', 'c', 'd'], { signal: stopped, firstTryAfterStop: true });
    expect(left).toEqual(['a', 'b', 'c', 'd']);
    expect(sent).toEqual(['a', 'gone', 'b', 'c', 'd']);
    expect(timers.waits).toEqual([]);
  });

  it('with firstTryAfterStop, ends a wait to ask again when shutdown begins during it', async () => {
    const sent: string[] = [];
    const deleteOnce = (_: unknown, id: string) => (sent.push(id), Promise.resolve<DeleteAnswer>({ ok: false, failure: { kind: 'http', status: 503, apiStatus: 'UNAVAILABLE', message: 'busy', retryDelayMs: 60_000 } }));
    const waits: number[] = [];
    const timers: Timers = {
      now: () => 0,
      sleep: (ms, signal) => (waits.push(ms), new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true }))),
    };
    const stopping = new AbortController();
    const forgetting = forgetInteractions({ client, logger: createLogger('silent'), retryBaseDelayMs: 1, timers, deleteOnce }, ['a'], { signal: stopping.signal, firstTryAfterStop: true });
    await vi.waitFor(() => expect(waits).toEqual([60_000]));
    stopping.abort();
    expect(await forgetting).toEqual(['a']);
    expect(sent).toEqual(['a']);
  });
});
