import { randomBytes } from 'node:crypto';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { StoredPart } from '../../src/conversation/conversationRecord.js';
import { outgoingParts, type OutgoingContent } from '../../src/conversation/outgoingParts.js';
import { storeParts } from '../../src/conversation/storedParts.js';
import { streamedRequestBody } from '../../src/transports/streamedRequestBody.js';
import { buildGenerateRequest } from '../../src/gemini/buildGenerateRequest.js';
import type { GeminiContent, GeminiPart } from '../../src/gemini/geminiTypes.js';
import type { RequestBody } from '../../src/gemini/requestBody.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { partsSentAgain } from '../conversation/partsSentAgain.js';

/** A blob store that records each image read, in order, interleaved with what the test marks. */
class WatchedBlobs extends BlobStore {
  readonly events: string[] = [];
  override async get(sha256: string) {
    this.events.push(`get ${sha256.slice(0, 8)}`);
    return super.get(sha256);
  }
}

const image = (bytes: number) => randomBytes(bytes).toString('base64');

/** Equal texts, or a failure showing where they part (not megabytes of base64). */
function expectSameText(actual: string, expected: string) {
  let index = 0;
  while (index < Math.min(actual.length, expected.length) && actual[index] === expected[index]) index++;
  const around = (text: string) => text.slice(Math.max(0, index - 60), index + 60);
  expect({ length: actual.length, text: around(actual) }).toEqual({ length: expected.length, text: around(expected) });
}

/** The same content with its parts swapped for the outgoing ones, keys in their order. */
function withParts(content: GeminiContent, parts: OutgoingContent['parts']): OutgoingContent {
  return Object.fromEntries(Object.entries(content).map(([key, value]) => [key, key === 'parts' ? parts : value])) as OutgoingContent;
}

async function bodyText(body: RequestBody): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body.chunks()) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A two-exchange history stored the way saveExchange stores it, camelCase and snake_case, a thought image, a signature. */
async function storedHistory(blobs: BlobStore) {
  const exchanges: GeminiContent[] = [
    { role: 'user', parts: [{ text: 'a fox "in the snow" — ✨' }, { inlineData: { mimeType: 'image/png', data: image(3_000) } }] },
    {
      role: 'model',
      parts: [
        { text: 'thinking', thought: true },
        { inline_data: { mime_type: 'image/jpeg', data: image(5_000) }, thought: true, thought_signature: 'c2ln' },
        { inlineData: { mimeType: 'image/jpeg', data: image(7_000) }, thoughtSignature: 'c2lnMg==' },
      ],
      finishReason: 'STOP',
    },
  ];
  const stored: StoredPart[][] = [];
  for (const content of exchanges) stored.push(await storeParts(content.parts, blobs));
  const outgoing = exchanges.map((content, index) => withParts(content, outgoingParts(stored[index]!)));
  return { loaded: exchanges, outgoing, stored };
}

describe('streamedRequestBody', () => {
  it('streams exactly the bytes JSON.stringify gives for the loaded request, with their exact length', async () => {
    const blobs = new BlobStore(new Keyv());
    const { loaded, outgoing } = await storedHistory(blobs);
    const newTurn: GeminiPart[] = [{ text: 'now in "blue" \\ ü' }, { inlineData: { mimeType: 'image/webp', data: image(2_000) } }];
    const prepared = await streamedRequestBody(buildGenerateRequest([...outgoing, { role: 'user', parts: newTurn }], { aspectRatio: '16:9' }, { search: true }), blobs);
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;

    const expected = JSON.stringify(buildGenerateRequest([...loaded, { role: 'user', parts: newTurn }], { aspectRatio: '16:9' }, { search: true }));
    expectSameText(await bodyText(prepared.body), expected);
    expect(prepared.body.contentLength).toBe(Buffer.byteLength(expected));
    // A retry sends the same body again.
    expectSameText(await bodyText(prepared.body), expected);
  });

  it('reads each stored image only when the stream reaches it, one at a time', async () => {
    const blobs = new WatchedBlobs(new Keyv());
    const { outgoing, stored } = await storedHistory(blobs);
    blobs.events.length = 0; // storing looks each image up once; only what sending reads counts here
    const prepared = await streamedRequestBody(buildGenerateRequest(outgoing, {}), blobs);
    if (!prepared.ok) throw new Error('not prepared');
    expect(blobs.events).toEqual([]); // nothing loaded to prepare it

    const order = [...stored[0]!, ...stored[1]!].flatMap((part) => (part.blob ? [`get ${part.blob.sha256.slice(0, 8)}`] : []));
    const seen: string[] = [];
    for await (const chunk of prepared.body.chunks()) {
      seen.push(`chunk after ${blobs.events.length} reads`);
      expect(chunk.length).toBeLessThanOrEqual(1 << 20);
    }
    expect(blobs.events).toEqual(order);
    // The first chunk (the JSON up to the first image) went out before any image was read.
    expect(seen[0]).toBe('chunk after 0 reads');
  });

  it('writes a long image in slices, never one buffer of it all', async () => {
    const blobs = new BlobStore(new Keyv());
    const big = image(3_000_000); // 4 MB of base64
    const outgoing = [{ role: 'user' as const, parts: outgoingParts(await storeParts([{ inlineData: { mimeType: 'image/png', data: big } }], blobs)) }];
    const prepared = await streamedRequestBody(buildGenerateRequest(outgoing, {}), blobs);
    if (!prepared.ok) throw new Error('not prepared');
    const sizes: number[] = [];
    for await (const chunk of prepared.body.chunks()) sizes.push(chunk.length);
    expect(Math.max(...sizes)).toBe(1 << 20);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(prepared.body.contentLength);
  });

  it('finds a missing image before anything is sent', async () => {
    const keyv = new Keyv();
    const blobs = new BlobStore(keyv);
    const { outgoing, stored } = await storedHistory(blobs);
    const missing = stored[1]![2]!.blob!.sha256;
    await keyv.delete(`blob:${missing}`);
    expect(await streamedRequestBody(buildGenerateRequest(outgoing, {}), blobs)).toEqual({ ok: false, missingBlob: missing });
  });

  it('fails the stream, rather than send a body that disagrees with its length, when a stored image is not what its record says', async () => {
    const keyv = new Keyv();
    const blobs = new BlobStore(keyv);
    const { outgoing, stored } = await storedHistory(blobs);
    const prepared = await streamedRequestBody(buildGenerateRequest(outgoing, {}), blobs);
    if (!prepared.ok) throw new Error('not prepared');
    await keyv.set(`blob:${stored[0]![1]!.blob!.sha256}`, { version: 1, base64: 'AAAA' });
    await expect(bodyText(prepared.body)).rejects.toThrow(/is not what its record says/);
  });

  /** Damage done in place, the text's length unchanged: only what the text holds can tell it from the image stored. */
  const inPlace = (at: number, by: string) => (text: string) => `${text.slice(0, at)}${by}${text.slice(at + by.length)}`;
  it.each([
    ['a quote closing the JSON string, and members after it', inPlace(100, '","role":"model","x":"')],
    ['a backslash escape', inPlace(100, '\\u0022')],
    ['a line break', inPlace(100, '\n')],
    ['a NUL', inPlace(100, '\u0000')],
    ['a character above U+00FF that Node decodes as a base64 letter', inPlace(100, '\u0141')],
    ['a Latin-1 letter', inPlace(100, '\u00e9')],
    ['a surrogate pair', inPlace(100, '😀')],
    ['a letter of the other base64 alphabet', (text: string) => inPlace(100, text.includes('+') ? '_' : '+')(text)],
    ['padding in the middle', inPlace(100, '==')],
    ['three padding characters at the end', (text: string) => `${text.slice(0, -3)}===`],
  ])('never writes a stored image holding %s (as long as its record says): the stream fails before any of it', async (_case, damage) => {
    const keyv = new Keyv();
    const blobs = new BlobStore(keyv);
    const { outgoing, stored } = await storedHistory(blobs);
    const prepared = await streamedRequestBody(buildGenerateRequest(outgoing, {}), blobs);
    if (!prepared.ok) throw new Error('not prepared');
    // The model's last image, whose text ends in '==' (7,000 bytes).
    const sha256 = stored[1]![2]!.blob!.sha256;
    const text = (await blobs.get(sha256))!;
    expect(text).toMatch(/[^=]==$/);
    const damaged = damage(text);
    expect(damaged.length).toBe(text.length);
    expect(damaged).not.toBe(text);
    await keyv.set(`blob:${sha256}`, damaged);

    const written: Buffer[] = [];
    const streaming = (async () => {
      for await (const chunk of prepared.body.chunks()) written.push(Buffer.from(chunk));
    })();
    await expect(streaming).rejects.toThrow(/is not what its record says/);
    const sent = Buffer.concat(written).toString('latin1');
    // Nothing of the damaged image went out, not even its intact beginning: the body stops where it would start.
    expect(sent).not.toContain(text.slice(0, 40));
    expect(sent.endsWith('"data":"')).toBe(true);
  });

  it('refuses, without asking the store, a history whose record says an image is gone', async () => {
    const blobs = new WatchedBlobs(new Keyv());
    const { loaded, stored } = await storedHistory(blobs);
    blobs.events.length = 0;
    const gone = stored.map((parts) => parts.map((part) => (part.blob ? { ...part, blob: { sha256: part.blob.sha256, field: part.blob.field, gone: true as const } } : part)));
    const outgoing = loaded.map((content, index) => withParts(content, outgoingParts(gone[index]!)));
    const prepared = await streamedRequestBody(buildGenerateRequest(outgoing, {}), blobs);
    expect(prepared).toEqual({ ok: false, missingBlob: gone[0]![1]!.blob!.sha256 });
    await expect(partsSentAgain(gone[1]!, blobs)).resolves.toEqual({ ok: false, missingBlob: gone[1]![1]!.blob!.sha256 });
    expect(blobs.events).toEqual([]);
  });

  it('replays an image stored once under two spellings (with and without base64 padding) with the stored one and its length', async () => {
    const blobs = new BlobStore(new Keyv());
    const padded = Buffer.from('ab').toString('base64'); // "YWI="
    const first = await storeParts([{ inlineData: { mimeType: 'image/png', data: padded } }], blobs);
    const second = await storeParts([{ inlineData: { mimeType: 'image/png', data: padded.replace(/=+$/, '') } }], blobs);
    expect(second[0]?.blob).toEqual(first[0]?.blob);
    const prepared = await streamedRequestBody(buildGenerateRequest([{ role: 'user' as const, parts: outgoingParts(second) }], {}), blobs);
    if (!prepared.ok) throw new Error('not prepared');
    const sent = await bodyText(prepared.body);
    expect(sent).toContain(`"data":"${padded}"`);
    expect(Buffer.byteLength(sent)).toBe(prepared.body.contentLength);
  });

  it.each([
    ['a quote', `${image(3_000).slice(0, 100)}"},"x":{"y":"`],
    ['a backslash', `${image(3_000).slice(0, 100)}\\u0022`],
    ['control characters', `${image(3_000).slice(0, 100)}\n\u0000\u001f`],
    ['a character above U+00FF that Node decodes as a base64 letter', `${image(3_000).slice(0, 99)}\u0141`],
    ['both base64 alphabets', `${Buffer.from([0xfb, 0xff]).toString('base64')}${Buffer.from([0xfb, 0xff]).toString('base64url')}`],
  ])('writes inline data holding %s as its JSON, escaped where it must be, with its exact length', async (_case, data) => {
    const blobs = new BlobStore(new Keyv());
    const request = buildGenerateRequest([{ role: 'user' as const, parts: [{ inlineData: { mimeType: 'image/png', data } }] }], {});
    const prepared = await streamedRequestBody(request, blobs);
    if (!prepared.ok) throw new Error('not prepared');
    const sent = await bodyText(prepared.body);
    expect(sent).toBe(JSON.stringify(request));
    expect(Buffer.byteLength(sent)).toBe(prepared.body.contentLength);
  });

  it('writes inline data that is not base64 whole, so no cut falls inside a character', async () => {
    const blobs = new BlobStore(new Keyv());
    // Not base64 (Gemini would refuse it, but the length must still be right): emoji across the 1 MiB slice boundary.
    const data = 'x'.repeat((1 << 20) - 1) + '😀'.repeat(4);
    const prepared = await streamedRequestBody(buildGenerateRequest([{ role: 'user' as const, parts: [{ inlineData: { mimeType: 'image/png', data } }] }], {}), blobs);
    if (!prepared.ok) throw new Error('not prepared');
    const sent = await bodyText(prepared.body);
    expect(Buffer.byteLength(sent)).toBe(prepared.body.contentLength);
    expect(JSON.parse(sent).contents[0].parts[0].inlineData.data).toBe(data);
  });
});
