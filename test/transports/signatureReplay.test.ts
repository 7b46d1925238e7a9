import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/conversation/conversationRecord.js';
import { replayStepsWithSignatures, replayWithSignatures } from '../../src/transports/signatureReplay.js';
import { storeAnswer, storeParts } from '../../src/conversation/storedParts.js';
import { streamedJsonBody, streamedRequestBody } from '../../src/transports/streamedRequestBody.js';
import type { ModelAnswer } from '../../src/gemini/modelAnswer.js';
import type { RequestBody } from '../../src/gemini/requestBody.js';
import { BlobStore } from '../../src/store/blobStore.js';

const interaction = { id: 'v1_a', createdAt: '2026-12-01T00:00:00.000Z' };
const image = (seed: number) => Buffer.alloc(200, seed).toString('base64');

async function bodyJson(body: RequestBody): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body.chunks()) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  expect(Buffer.byteLength(text)).toBe(body.contentLength);
  return JSON.parse(text);
}

/** One turn stored as the bot stores it: the user's words and image, and the answer, images moved to the blob store. */
async function storedExchange(answer: ModelAnswer, blobs: BlobStore): Promise<Exchange> {
  const user = await storeParts([{ text: 'a fox' }, { inlineData: { mimeType: 'image/png', data: image(1) } }], blobs);
  const model = await storeAnswer(answer, blobs);
  return { user: { authorId: 'u', parts: user }, model: { ...model, messageId: 'm1' }, settings: {}, createdAt: '2026-12-01T00:00:00.000Z' };
}

describe('signature replay: a stored answer sent back exactly as Gemini gave it', () => {
  it('generateContent: the content, every part and signature, snake_case and unknown fields, and its image bytes', async () => {
    const blobs = new BlobStore(new Keyv());
    const content = {
      role: 'model' as const,
      parts: [
        { text: 'plan', thought: true },
        { inline_data: { mime_type: 'image/png', data: image(2) }, thought: true, thought_signature: 'c2ln' },
        { inlineData: { mimeType: 'image/jpeg', data: image(3) }, thoughtSignature: 'c2lnMg==', somethingNew: { a: 1 } },
      ],
      finishReason: 'STOP',
    };
    const replayed = replayWithSignatures([await storedExchange({ api: 'generate-content', content }, blobs)]);
    const body = await streamedRequestBody({ contents: replayed }, blobs);
    if (!body.ok) throw new Error('not sendable');
    expect(await bodyJson(body.body)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a fox' }, { inlineData: { mimeType: 'image/png', data: image(1) } }] }, content],
    });
  });

  it('Interactions API: the user turn as a user_input step, then the answer\'s steps, signatures and image bytes in place', async () => {
    const blobs = new BlobStore(new Keyv());
    const steps = [
      { type: 'thought', signature: 'c2ln', summary: [{ type: 'text', text: 'plan' }, { type: 'image', data: image(2), mime_type: 'image/png' }] },
      { type: 'google_search_call', id: 'a', arguments: { queries: ['q'] }, signature: 'x' },
      { type: 'model_output', content: [{ type: 'text', text: 'hi', annotations: [{ type: 'url_citation', url: 'https://e.x' }] }, { type: 'image', data: image(3), mime_type: 'image/jpeg' }], extra: { kept: true } },
    ];
    const exchange = await storedExchange({ api: 'interactions', steps, interaction }, blobs);
    // Stored without the bytes: the record stays small.
    expect(JSON.stringify(exchange.model)).not.toContain(image(3));
    const replayed = replayStepsWithSignatures([exchange]);
    if (!replayed.ok) throw new Error('not sendable');
    const body = await streamedJsonBody({ input: replayed.steps }, blobs);
    if (!body.ok) throw new Error('not sendable');
    const sent = (await bodyJson(body.body)) as { input: unknown[] };
    expect(sent).toEqual({
      input: [{ type: 'user_input', content: [{ type: 'text', text: 'a fox' }, { type: 'image', data: image(1), mime_type: 'image/png' }] }, ...steps],
    });
    // Exactly as received, down to each step's key order (a field after the images stays after them).
    expect(JSON.stringify(sent.input.slice(1))).toBe(JSON.stringify(steps));
  });

  it('each API replays only its own answers (the turn leaves the other\'s out)', async () => {
    const blobs = new BlobStore(new Keyv());
    const generated = await storedExchange({ api: 'generate-content', content: { role: 'model', parts: [{ text: 'hi' }] } }, blobs);
    const interacted = await storedExchange({ api: 'interactions', steps: [{ type: 'model_output', content: [{ type: 'text', text: 'hi' }] }], interaction }, blobs);
    expect(replayWithSignatures([interacted])).toEqual([]);
    expect(replayStepsWithSignatures([generated])).toEqual({ ok: true, steps: [] });
  });

  it('names the image its record says is gone, instead of sending the history', async () => {
    const blobs = new BlobStore(new Keyv());
    const exchange = await storedExchange({ api: 'interactions', steps: [{ type: 'model_output', content: [{ type: 'image', data: image(3), mime_type: 'image/jpeg' }] }], interaction }, blobs);
    if (exchange.model.api !== 'interactions') throw new Error('not an Interactions answer');
    const [stored] = exchange.model.steps[0]!.images!;
    exchange.model.steps[0]!.images = [{ sha256: stored!.sha256, gone: true, in: 'content', index: 0 }];
    expect(replayStepsWithSignatures([exchange])).toEqual({ ok: false, missingBlob: stored!.sha256 });
  });
});
