import Keyv from 'keyv';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Exchange } from '../../src/conversation/conversationRecord.js';
import { storeAnswer, storeParts } from '../../src/conversation/storedParts.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { interactionsTransport } from '../../src/transports/interactionsTransport.js';
import { startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';

/** The Interactions transport against the emulator on loopback, on a clock the test sets. */
let gemini: GeminiEmulator;
beforeAll(async () => {
  gemini = await startGeminiEmulator();
});
afterAll(() => gemini.close());

const HOUR = 60 * 60 * 1000;
const request = { model: 'gemini-3-pro-image', settings: {}, search: false };

function transport(blobs: BlobStore, now: () => number, stream = true) {
  const client = { apiUrl: gemini.url, apiKey: gemini.apiKey, timeoutMs: 5_000, stream, stallMs: 5_000 };
  return interactionsTransport({ client, blobs, retryBaseDelayMs: 1, retentionMs: 24 * HOUR, logger: pino({ level: 'silent' }), now });
}

describe('interactionsTransport', () => {
  it('continues from an interaction younger than the retention, and replays the history itself past it, without asking Google first', async () => {
    const blobs = new BlobStore(new Keyv());
    let clock = Date.parse('2026-07-01T00:00:00Z');
    const first = await transport(blobs, () => clock).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    if (first.kind !== 'answered' || first.outcome.kind !== 'images') throw new Error(`unexpected ${JSON.stringify(first)}`);
    const stored = await storeAnswer(first.outcome.modelContent, blobs);
    if (stored.api !== 'interactions') throw new Error('not an Interactions answer');
    const { interaction } = stored;
    // A new conversation's first answer builds on nothing.
    expect(interaction).toEqual({ id: expect.any(String), createdAt: '2026-07-01T00:00:00.000Z' });
    const history: Exchange[] = [
      { user: { authorId: 'u', parts: await storeParts([{ text: 'a fox' }], blobs) }, model: { ...stored, messageId: 'm1' }, settings: {}, createdAt: interaction.createdAt },
    ];
    const posts = () => gemini.interactions.requests.filter((call) => call.method === 'POST');

    clock += 23 * HOUR;
    const young = await transport(blobs, () => clock).generate({ ...request, thread: history, history, userParts: [{ text: 'blue' }], recordLatest: 'm1' }, {});
    expect(young).toMatchObject({ kind: 'answered', continued: true, outcome: { kind: 'images' } });
    // The answer keeps what it built on, for a reroll of it; built on the record's latest, it may be continued from.
    expect(young.kind === 'answered' && young.outcome.kind === 'images' && young.outcome.modelContent).toMatchObject({ api: 'interactions', interaction: { builtOn: 'm1' } });
    expect(young.kind === 'answered' && young.outcome.kind === 'images' && young.outcome.modelContent.api === 'interactions' && young.outcome.modelContent.interaction.outdated).toBeUndefined();
    expect(posts().at(-1)?.body).toMatchObject({ previous_interaction_id: interaction.id, input: [{ type: 'user_input' }] });

    clock += 2 * HOUR;
    const before = posts().length;
    const old = await transport(blobs, () => clock).generate({ ...request, thread: history, history, userParts: [{ text: 'red' }], recordLatest: 'm9' }, {});
    expect(old).toMatchObject({ kind: 'answered', outcome: { kind: 'images' } });
    expect(old.kind === 'answered' && old.continued).toBeFalsy();
    expect(posts().length).toBe(before + 1); // one request: no 404 asked for first
    expect(posts().at(-1)?.status).toBe(200); // the replayed signatures verified
    expect((posts().at(-1)?.body as { previous_interaction_id?: string }).previous_interaction_id).toBeUndefined();
    // Built on m1 while the record's latest is another answer (a reroll, an upscale of an older image): Google's copy
    // skips the turns between, so the next turn replays the record rather than continue from it.
    expect(old.kind === 'answered' && old.outcome.kind === 'images' && old.outcome.modelContent).toMatchObject({ api: 'interactions', interaction: { builtOn: 'm1', outdated: true } });
  });

  it('marks a reroll of the thread\'s first turn outdated, as any other reroll: Google\'s copy lacks the turn the record keeps', async () => {
    const blobs = new BlobStore(new Keyv());
    const first = await transport(blobs, Date.now).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    if (first.kind !== 'answered' || first.outcome.kind !== 'images') throw new Error(`unexpected ${JSON.stringify(first)}`);
    // A new conversation's first answer (no record yet) builds on nothing and may be continued from.
    expect(first.outcome.modelContent.api === 'interactions' && first.outcome.modelContent.interaction).toEqual({ id: expect.any(String), createdAt: expect.any(String) });
    const stored = await storeAnswer(first.outcome.modelContent, blobs);
    const turn1: Exchange = { user: { authorId: 'u', parts: await storeParts([{ text: 'a fox' }], blobs) }, model: { ...stored, messageId: 'm1' }, settings: {}, createdAt: new Date().toISOString() };
    // The reroll of turn 1: nothing before it, while the record's latest is m1 (it becomes [turn1, reroll]).
    const scope = transport(blobs, Date.now).scope({ exchanges: [], redoes: turn1 });
    expect(scope.exchanges).toEqual([]);
    const reroll = await transport(blobs, Date.now).generate({ ...request, thread: scope.exchanges, history: [], userParts: [{ text: 'a fox' }], recordLatest: 'm1' }, {});
    if (reroll.kind !== 'answered' || reroll.outcome.kind !== 'images' || reroll.outcome.modelContent.api !== 'interactions') throw new Error(`unexpected ${JSON.stringify(reroll)}`);
    // generateContent's next turn replays both turns; continuing from the reroll's interaction would send Gemini the reroll alone.
    expect(reroll.outcome.modelContent.interaction.outdated).toBe(true);
    // It built on nothing, which a reroll of it keeps (no builtOn: its scope starts the thread again).
    expect(reroll.outcome.modelContent.interaction.builtOn).toBeUndefined();
  });

  it('does not continue from an outdated interaction: the turn replays its history', async () => {
    const blobs = new BlobStore(new Keyv());
    const first = await transport(blobs, Date.now).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    if (first.kind !== 'answered' || first.outcome.kind !== 'images') throw new Error(`unexpected ${JSON.stringify(first)}`);
    const stored = await storeAnswer(first.outcome.modelContent, blobs);
    if (stored.api !== 'interactions') throw new Error('not an Interactions answer');
    const history: Exchange[] = [
      { user: { authorId: 'u', parts: await storeParts([{ text: 'a fox' }], blobs) }, model: { ...stored, interaction: { ...stored.interaction, outdated: true }, messageId: 'm1' }, settings: {}, createdAt: stored.interaction.createdAt },
    ];
    expect(transport(blobs, Date.now).scope({ exchanges: history })).toEqual({ exchanges: history, held: false });
    const replayed = await transport(blobs, Date.now).generate({ ...request, thread: history, history, userParts: [{ text: 'blue' }], recordLatest: 'm1' }, {});
    expect(replayed.kind === 'answered' && replayed.continued).toBeFalsy();
    const last = gemini.interactions.requests.filter((call) => call.method === 'POST').at(-1);
    expect(last?.status).toBe(200);
    expect((last?.body as { previous_interaction_id?: string }).previous_interaction_id).toBeUndefined();
  });

  it('keeps an answer that arrived whole although the connection is cut or stalls after it: one call, none billed twice', async () => {
    const blobs = new BlobStore(new Keyv());
    const posts = () => gemini.interactions.requests.filter((call) => call.method === 'POST').length;
    const ask = () => transport(blobs, Date.now).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    let before = posts();
    gemini.enqueue({ kind: 'image', stream: { cutAfter: 'end' } });
    const cut = await ask();
    expect(cut).toMatchObject({ kind: 'answered', outcome: { kind: 'images' } });
    expect(cut.kind === 'answered' && cut.retries).toBeFalsy();
    expect(posts()).toBe(before + 1);
    before = posts();
    let release: () => void = () => {};
    gemini.enqueue({ kind: 'image', stream: { stallAfter: 'end', until: new Promise<void>((resolve) => (release = resolve)) } });
    const stalled = await ask();
    release();
    expect(stalled).toMatchObject({ kind: 'answered', outcome: { kind: 'images' } });
    expect(stalled.kind === 'answered' && stalled.retries).toBeFalsy();
    expect(posts()).toBe(before + 1);
  });

  it('deletes at Google the interaction of a try whose stream broke and was retried (the history never holds it)', async () => {
    const blobs = new BlobStore(new Keyv());
    const before = gemini.interactions.requests.length;
    gemini.enqueue({ kind: 'image', stream: { cutAfter: 2 } }, { kind: 'image' });
    const answered = await transport(blobs, Date.now).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    expect(answered).toMatchObject({ kind: 'answered', retries: 1, outcome: { kind: 'images' } });
    const [broken, kept] = gemini.interactions.requests.slice(before).filter((call) => call.method === 'POST').map((call) => call.interactionId);
    await vi.waitFor(() => {
      const deleted = gemini.interactions.requests.slice(before).filter((call) => call.method === 'DELETE').map((call) => call.interactionId);
      expect(deleted).toEqual([broken]);
    }, { timeout: 10_000, interval: 20 }); // not vi.waitFor's 1 s: the machine may be busy
    expect(broken).toBeDefined();
    expect(gemini.interactions.storedIds()).toContain(kept);
  });

  it('an answer it cannot read is a failure with nothing to keep, and its discard deletes the interaction Google stored (once, however often called), streamed or not', async () => {
    for (const stream of [true, false]) {
      const before = gemini.interactions.requests.length;
      gemini.interactions.enqueue({ kind: 'unreadable' });
      const answered = await transport(new BlobStore(new Keyv()), Date.now, stream).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
      expect(answered).toMatchObject({ kind: 'answered', outcome: { kind: 'failed', failure: { kind: 'malformed' } } });
      const [made] = gemini.interactions.requests.slice(before).filter((call) => call.method === 'POST').map((call) => call.interactionId);
      expect(gemini.interactions.storedIds()).toContain(made);
      if (answered.kind !== 'answered' || !answered.discard) throw new Error(`no discard for an unreadable answer (stream: ${stream})`);
      // Called again (a turn's paths meeting): no second DELETE.
      await Promise.all([answered.discard(), answered.discard()]);
      await answered.discard();
      expect(gemini.interactions.requests.slice(before).filter((call) => call.method === 'DELETE').map((call) => [call.interactionId, call.status])).toEqual([[made, 200]]);
      expect(gemini.interactions.storedIds()).not.toContain(made);
    }
  });

  it('maps a step error, a cut stream and an HTTP error with a string code into the closed set', async () => {
    const blobs = new BlobStore(new Keyv());
    const ask = () => transport(blobs, Date.now).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    gemini.interactions.enqueue({ kind: 'step-error' });
    expect(await ask()).toMatchObject({ kind: 'answered', outcome: { kind: 'no-image', finishReason: 'OTHER', modelContent: undefined } });
    gemini.enqueue({ kind: 'image', stream: { cutAfter: 3 } }, { kind: 'image' });
    expect(await ask()).toMatchObject({ kind: 'answered', retries: 1, outcome: { kind: 'images' } });
    gemini.enqueue({ kind: 'error', status: 403 });
    expect(await ask()).toMatchObject({ kind: 'answered', outcome: { kind: 'failed', failure: { kind: 'http', status: 403, apiStatus: 'PERMISSION_DENIED' } } });
  });

  /** A new conversation's turn asking for a fox, on a transport of its own over `blobs`. */
  const askForAFox = (blobs: BlobStore) => () => transport(blobs, Date.now).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
  /** The interactions created so far (each try of a turn is one POST). */
  const posts = () => gemini.interactions.requests.filter((call) => call.method === 'POST').length;
  /** A stream that names its interaction, then reports `error` in an error event (HTTP 200: the failure is inside). */
  const streamedError = (error: Record<string, unknown>) => ({
    kind: 'raw' as const,
    status: 200,
    body: [{ event_type: 'interaction.created', interaction: { id: 'v1_failing', status: 'in_progress' } }, { event_type: 'error', error }].map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''),
    contentType: 'text/event-stream',
  });

  it('treats an error inside the stream as the generateContent transport does: retried by the status it names, never when it names none', async () => {
    const ask = askForAFox(new BlobStore(new Keyv()));
    let before = posts();
    gemini.enqueue(streamedError({ message: 'something new' }));
    expect(await ask()).toMatchObject({ kind: 'answered', retries: 0, outcome: { kind: 'failed', failure: { kind: 'http', status: 500, statusGuessed: true, message: 'something new' } } });
    expect(posts()).toBe(before + 1);
    before = posts();
    gemini.enqueue(streamedError({ code: 'unavailable', message: 'busy' }), { kind: 'image' });
    expect(await ask()).toMatchObject({ kind: 'answered', retries: 1, outcome: { kind: 'images' } });
    expect(posts()).toBe(before + 2);
  });

  it('retries an error inside the stream that gives a google.rpc.Code number as its HTTP twin is retried', async () => {
    const ask = askForAFox(new BlobStore(new Keyv()));
    const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.001s' };
    // DEADLINE_EXCEEDED (504), RESOURCE_EXHAUSTED (429, after the delay RetryInfo asks), INTERNAL (500), UNAVAILABLE (503).
    for (const error of [{ code: 4 }, { code: 8, details: [retryInfo] }, { code: 13 }, { code: 14 }]) {
      const before = posts();
      gemini.enqueue(streamedError({ ...error, message: 'try again' }), { kind: 'image' });
      expect(await ask(), JSON.stringify(error)).toMatchObject({ kind: 'answered', retries: 1, outcome: { kind: 'images' } });
      expect(posts()).toBe(before + 2);
    }
    // INVALID_ARGUMENT (3) would fail the same way again.
    const before = posts();
    gemini.enqueue(streamedError({ code: 3, message: 'bad' }));
    expect(await ask()).toMatchObject({ kind: 'answered', retries: 0, outcome: { kind: 'failed', failure: { kind: 'http', status: 400, apiStatus: 'INVALID_ARGUMENT' } } });
    expect(posts()).toBe(before + 1);
  });
});
