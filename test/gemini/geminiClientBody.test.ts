import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outgoingParts } from '../../src/conversation/outgoingParts.js';
import { storeParts } from '../../src/conversation/storedParts.js';
import { streamedRequestBody } from '../../src/transports/streamedRequestBody.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { callWithRetries } from '../../src/gemini/callWithRetries.js';
import { RequestBodyError, type RequestBody } from '../../src/gemini/requestBody.js';
import { startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';

/** The real client against the Gemini emulator on loopback, with bodies that stream. */
let gemini: GeminiEmulator;
beforeAll(async () => {
  gemini = await startGeminiEmulator();
});
afterAll(() => gemini.close());

const client = () => ({ apiUrl: gemini.url, apiKey: gemini.apiKey, timeoutMs: 5_000, stream: false, stallMs: 5_000 });
const request = { contents: [{ role: 'user', parts: [{ text: 'a fox' }] }], generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } };

describe('a streamed request body', () => {
  it('arrives whole with its Content-Length, in as many chunks as it was written', async () => {
    const whole = Buffer.from(JSON.stringify(request));
    const body: RequestBody = {
      contentLength: whole.length,
      async *chunks() {
        for (let start = 0; start < whole.length; start += 7) yield whole.subarray(start, start + 7);
      },
    };
    const call = await callWithRetries(client(), 'gemini-3-pro-image', body, { baseDelayMs: 1 });
    expect(call.result.ok).toBe(true);
    expect(gemini.requests.at(-1)?.body).toEqual(request);
  });

  it('fails as unsendable, not as a network error, and is not retried, when our side cannot finish the body', async () => {
    const before = gemini.requests.length;
    const whole = Buffer.from(JSON.stringify(request));
    let sends = 0;
    const body: RequestBody = {
      contentLength: whole.length,
      async *chunks() {
        sends += 1;
        yield whole.subarray(0, 10);
        throw new RequestBodyError('image abc left the store while the request was being sent');
      },
    };
    const call = await callWithRetries(client(), 'gemini-3-pro-image', body, { baseDelayMs: 1 });
    expect(call.result).toEqual({ ok: false, failure: { kind: 'unsendable', message: 'image abc left the store while the request was being sent' } });
    expect([call.retries, sends]).toEqual([0, 1]);
    expect(gemini.requests.length - before).toBeLessThanOrEqual(1);
  });

  it('fails as unsendable when the image store itself fails while the body streams', async () => {
    const blobs = new BlobStore(new Keyv());
    const stored = await storeParts([{ inlineData: { mimeType: 'image/png', data: Buffer.from('png bytes').toString('base64') } }], blobs);
    const prepared = await streamedRequestBody({ ...request, contents: [{ role: 'user' as const, parts: outgoingParts(stored) }] }, blobs);
    if (!prepared.ok) throw new Error('not prepared');
    // The store goes down between preparing the body and sending it.
    blobs.get = () => Promise.reject(new Error('connection refused'));
    const call = await callWithRetries(client(), 'gemini-3-pro-image', prepared.body, { baseDelayMs: 1 });
    expect(call.result).toMatchObject({ ok: false, failure: { kind: 'unsendable', storeFailed: true, message: expect.stringContaining('could not be read from the store') } });
    expect(call.retries).toBe(0);
  });
});
