import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Exchange } from '../../src/conversation/conversationRecord.js';
import { storeAnswer, storeParts } from '../../src/conversation/storedParts.js';
import type { ModelAnswer } from '../../src/gemini/modelAnswer.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { generateContentTransport } from '../../src/transports/generateContentTransport.js';
import { createLogger } from '../../src/logging/createLogger.js';
import type { InterimPreview } from '../../src/gemini/interimPreview.js';
import { stalledStream, startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';

/** The transport against the Gemini emulator on loopback, streaming as the bot does: what a turn gets back for what it sends. */
let gemini: GeminiEmulator;
beforeAll(async () => {
  gemini = await startGeminiEmulator();
});
afterAll(() => gemini.close());

function transport(blobs: BlobStore, options: { stream?: boolean; stallMs?: number } = {}) {
  const client = { apiUrl: gemini.url, apiKey: gemini.apiKey, timeoutMs: 5_000, stream: options.stream ?? true, stallMs: options.stallMs ?? 5_000 };
  return generateContentTransport({ client, blobs, retryBaseDelayMs: 1, logger: createLogger('silent') });
}

/** What the emulator streamed for the latest call, flattened as the bot must store it (STREAM_CONTRACT 2). */
function streamedContent() {
  const chunks = gemini.requests.at(-1)?.response as Array<{ candidates?: Array<{ content?: { role: string; parts: unknown[] } }> }>;
  const contents = chunks.flatMap((chunk) => chunk.candidates?.[0]?.content ?? []);
  return { ...contents[0], parts: contents.flatMap((content) => content.parts) };
}

const request = { model: 'gemini-3-pro-image', settings: { aspectRatio: '16:9' as const }, search: false };

/** The turn 'a fox' and its answer, stored as the bot stores them (images moved to the blob store). */
async function storedExchange(answer: ModelAnswer, blobs: BlobStore): Promise<Exchange> {
  const model = await storeAnswer(answer, blobs);
  if (model.api !== 'generate-content') throw new Error('not a generateContent answer');
  return { user: { authorId: 'u', parts: await storeParts([{ text: 'a fox' }], blobs) }, model: { ...model, messageId: 'm1' }, settings: {}, createdAt: '2026-12-01T00:00:00.000Z' };
}

describe('generateContentTransport', () => {
  it('sends the history (each answer exactly as Gemini gave it) then the new turn, and returns the answer\'s model content exactly', async () => {
    const blobs = new BlobStore(new Keyv());
    gemini.enqueue({ kind: 'image', thoughtImages: 2 });
    const first = await transport(blobs).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    expect(gemini.requests.at(-1)).toMatchObject({ method: 'streamGenerateContent', alt: 'sse', streamEnd: 'complete' });
    expect(first).toMatchObject({ kind: 'answered', retries: 0, outcome: { kind: 'images' } });
    const answer = first.kind === 'answered' && first.outcome.kind === 'images' ? first.outcome.modelContent : undefined;
    if (answer?.api !== 'generate-content') throw new Error('not a generateContent answer');
    // One content: every chunk's parts in arrival order, as sent, the signed empty-text trailer included.
    expect(answer.content).toEqual(streamedContent());
    expect(answer.content.parts.at(-1)).toEqual({ text: '', thoughtSignature: expect.any(String) });
    // Stored as the bot stores it: images moved to the blob store, read back while the body streams.
    const second = await transport(blobs).generate({ ...request, thread: [], history: [await storedExchange(answer, blobs)], userParts: [{ text: 'make it blue' }] }, {});
    expect(second.kind).toBe('answered');
    expect(gemini.requests.at(-1)?.status).toBe(200); // the emulator checks every thought signature
    expect((gemini.requests.at(-1)?.body as { contents: unknown[] }).contents).toEqual([
      { role: 'user', parts: [{ text: 'a fox' }] },
      answer.content,
      { role: 'user', parts: [{ text: 'make it blue' }] },
    ]);
  });

  it('gives the same outcome asked in one piece (generateContent), the bench\'s comparison', async () => {
    const result = await transport(new BlobStore(new Keyv()), { stream: false }).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    expect(gemini.requests.at(-1)?.method).toBe('generateContent');
    expect(result).toMatchObject({ kind: 'answered', outcome: { kind: 'images', text: "Here's the image you asked for." } });
  });

  it('hands each interim image to onPreview as it streams, numbered, before the answer', async () => {
    gemini.enqueue({ kind: 'image', thoughtImages: 2 });
    const previews: InterimPreview[] = [];
    const result = await transport(new BlobStore(new Keyv())).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, { onPreview: (preview) => previews.push(preview) });
    expect(previews.map((preview) => [preview.sketch.number, preview.sketch.image.mimeType, typeof preview.thought])).toEqual([
      [1, 'image/jpeg', 'string'],
      [2, 'image/jpeg', 'string'],
    ]);
    expect(result).toMatchObject({ kind: 'answered', outcome: { kind: 'images' } });
  });

  it('asks again when the stream is cut midway or ends early, and keeps only the whole answer', async () => {
    gemini.enqueue({ kind: 'image', thoughtImages: 2, stream: { cutAfter: 3 } }, { kind: 'image', stream: { endAfter: 2 } });
    const result = await transport(new BlobStore(new Keyv())).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    expect(gemini.requests.slice(-3).map((call) => call.streamEnd)).toEqual(['cut', 'ended', 'complete']);
    expect(result).toMatchObject({ kind: 'answered', retries: 2, outcome: { kind: 'images' } });
    expect(result.kind === 'answered' && result.outcome.kind === 'images' && result.outcome.modelContent).toEqual({ api: 'generate-content', content: streamedContent() });
  });

  it('gives up on a stream that goes silent (a timeout), and leaves the connection', async () => {
    const stalled = stalledStream(2);
    gemini.enqueue(stalled.behaviour);
    const result = await transport(new BlobStore(new Keyv()), { stallMs: 100 }).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    expect(result).toMatchObject({ kind: 'answered', retries: 0, outcome: { kind: 'failed', failure: { kind: 'timeout' } } });
    await vi.waitFor(() => expect(gemini.requests.at(-1)?.streamEnd).toBe('client-gone'), { timeout: 10_000, interval: 20 }); // not vi.waitFor's 1 s: the machine may be busy
    stalled.release();
  });

  it('is unsendable, without calling Gemini, when a stored image of the history is missing', async () => {
    const blobs = new BlobStore(new Keyv());
    const before = gemini.requests.length;
    const history: Exchange[] = [
      {
        user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] },
        model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [{ raw: { inlineData: { mimeType: 'image/jpeg', data: '' } }, blob: { sha256: 'a'.repeat(64), field: 'inlineData', length: 8 } }], messageId: 'm1' },
        settings: {},
        createdAt: '2026-12-01T00:00:00.000Z',
      },
    ];
    const result = await transport(blobs).generate({ ...request, thread: history, history, userParts: [{ text: 'again' }] }, {});
    expect(result).toEqual({ kind: 'unsendable', problem: 'a stored image is missing', missingBlob: 'a'.repeat(64), retries: 0 });
    expect(gemini.requests.length).toBe(before);
  });

  it('returns a failure Gemini gave as an answered outcome, after the retries the policy allows', async () => {
    gemini.enqueue({ kind: 'error', status: 400, message: 'bad' });
    const result = await transport(new BlobStore(new Keyv())).generate({ ...request, thread: [], history: [], userParts: [{ text: 'x' }] }, {});
    expect(result).toMatchObject({ kind: 'answered', retries: 0, outcome: { kind: 'failed', failure: { kind: 'http', status: 400 } } });
  });

  it('treats an error inside the stream as the Interactions transport does: retried by the status it names, never when it names none', async () => {
    const ask = () => transport(new BlobStore(new Keyv())).generate({ ...request, thread: [], history: [], userParts: [{ text: 'x' }] }, {});
    const streamedError = (error: Record<string, unknown>) => ({ kind: 'raw' as const, status: 200, body: `data: ${JSON.stringify({ error })}\r\n\r\n`, contentType: 'text/event-stream' });
    let before = gemini.requests.length;
    gemini.enqueue(streamedError({ message: 'something new' }));
    expect(await ask()).toMatchObject({ kind: 'answered', retries: 0, outcome: { kind: 'failed', failure: { kind: 'http', status: 500, statusGuessed: true, message: 'something new' } } });
    expect(gemini.requests.length).toBe(before + 1);
    before = gemini.requests.length;
    gemini.enqueue(streamedError({ status: 'UNAVAILABLE', message: 'busy' }), { kind: 'image' });
    expect(await ask()).toMatchObject({ kind: 'answered', retries: 1, outcome: { kind: 'images' } });
    expect(gemini.requests.length).toBe(before + 2);
  });

  it('retries an error inside the stream that gives a google.rpc.Code number as its HTTP twin is retried', async () => {
    const ask = () => transport(new BlobStore(new Keyv())).generate({ ...request, thread: [], history: [], userParts: [{ text: 'x' }] }, {});
    const streamedError = (error: Record<string, unknown>) => ({ kind: 'raw' as const, status: 200, body: `data: ${JSON.stringify({ error })}\r\n\r\n`, contentType: 'text/event-stream' });
    const retryInfo = { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.001s' };
    // DEADLINE_EXCEEDED (504), RESOURCE_EXHAUSTED (429, after the delay RetryInfo asks), INTERNAL (500), UNAVAILABLE (503).
    for (const error of [{ code: 4 }, { code: 8, details: [retryInfo] }, { code: 13 }, { code: 14 }]) {
      const before = gemini.requests.length;
      gemini.enqueue(streamedError({ ...error, message: 'try again' }), { kind: 'image' });
      expect(await ask(), JSON.stringify(error)).toMatchObject({ kind: 'answered', retries: 1, outcome: { kind: 'images' } });
      expect(gemini.requests.length).toBe(before + 2);
    }
    // INVALID_ARGUMENT (3) would fail the same way again.
    const before = gemini.requests.length;
    gemini.enqueue(streamedError({ code: 3, message: 'bad' }));
    expect(await ask()).toMatchObject({ kind: 'answered', retries: 0, outcome: { kind: 'failed', failure: { kind: 'http', status: 400, apiStatus: 'INVALID_ARGUMENT' } } });
    expect(gemini.requests.length).toBe(before + 1);
  });
});

describe('generateContentTransport when the store fails mid-send', () => {
  /** One exchange as the bot stores it (its image in the blob store), and that history as a turn sends it. */
  async function answeredTurn() {
    const keyv = new Keyv();
    const blobs = new BlobStore(keyv);
    const first = await transport(blobs).generate({ ...request, thread: [], history: [], userParts: [{ text: 'a fox' }] }, {});
    const answer = first.kind === 'answered' && first.outcome.kind === 'images' ? first.outcome.modelContent : undefined;
    return { keyv, blobs, history: [await storedExchange(answer!, blobs)] };
  }

  /** A blob store whose reads fail after the presence check, as a store that goes down while the body streams. */
  class FailingReads extends BlobStore {
    override async get(): Promise<string | undefined> {
      throw new Error('connection reset by the store');
    }
  }

  it('answers a failure the member can retry, not an unreadable history: nothing is set aside or started afresh', async () => {
    const { keyv, blobs, history } = await answeredTurn();
    const result = await transport(new FailingReads(keyv)).generate(
      { ...request, thread: history, history, userParts: [{ text: 'again' }] },
      {},
    );
    expect(result).toMatchObject({ kind: 'answered', outcome: { kind: 'failed', failure: { kind: 'unsendable', storeFailed: true } } });
  });

  it('still reports an image that came back damaged as unsendable (the history is then gone on without)', async () => {
    const { keyv, blobs, history } = await answeredTurn();
    class ShortReads extends BlobStore {
      override async get(sha256: string): Promise<string | undefined> {
        return (await blobs.get(sha256))?.slice(4);
      }
    }
    const result = await transport(new ShortReads(keyv)).generate(
      { ...request, thread: history, history, userParts: [{ text: 'again' }] },
      {},
    );
    expect(result).toMatchObject({ kind: 'unsendable' });
  });
});
