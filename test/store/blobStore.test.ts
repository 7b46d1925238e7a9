import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeParts } from '../../src/conversation/storedParts.js';
import { BlobStore, blobIdOf } from '../../src/store/blobStore.js';
import { openStore, type Store } from '../../src/store/openStore.js';

let store: Store;
let blobs: BlobStore;

beforeEach(async () => {
  store = await openStore('sqlite://:memory:');
  blobs = new BlobStore(store.keyv);
});
afterEach(() => store.close());

// Bytes whose standard base64 holds both '+' and '/', so the URL-safe spelling differs from it.
const bytes = Buffer.from([0xfb, 0xef, 0xff, 0x3e, 0x3f, 0x01, 0x02, 0x03, 0xfb, 0xff]);
const standard = bytes.toString('base64');

describe('the image blob store', () => {
  it('files an image under the id of the bytes the caller decoded already, as it would have decoded them', async () => {
    expect(standard).toMatch(/[+/]/);
    await expect(blobs.put(standard, bytes)).resolves.toEqual({ sha256: blobIdOf(standard), length: standard.length });
    // The caller's bytes are trusted, not decoded again: bytes other than the text's would name another id.
    const other = Buffer.from('other bytes');
    await expect(blobs.put(standard, other)).resolves.toMatchObject({ sha256: blobIdOf(other.toString('base64')) });
  });

  it('keeps the spelling stored first when the same bytes come spelled another way', async () => {
    const urlSafe = bytes.toString('base64url');
    await blobs.put(standard);
    await expect(blobs.put(urlSafe)).resolves.toEqual({ sha256: blobIdOf(standard), length: standard.length });
    await expect(blobs.get(blobIdOf(standard))).resolves.toBe(standard);
  });

  it('rewrites a stored text that mixes the two base64 alphabets, which no request could carry', async () => {
    const sha256 = (await blobs.put(standard)).sha256;
    const mixed = `${standard.replace('+', '-')}`;
    expect(mixed).toMatch(/-/);
    expect(mixed).toMatch(/\//);
    await store.keyv.set(`blob:${sha256}`, { version: 1, base64: mixed });
    expect(blobIdOf(mixed)).toBe(sha256); // Buffer.from reads it as the same bytes
    await expect(blobs.put(standard)).resolves.toEqual({ sha256, length: standard.length });
    await expect(blobs.get(sha256)).resolves.toBe(standard);
  });
});

describe('moving a content\'s images to the blob store', () => {
  it('stores each image under its own bytes\' id, reusing only the decoded bytes of that very image', async () => {
    const first = Buffer.from('first image').toString('base64');
    const second = Buffer.from('second image').toString('base64');
    const parts = [
      { inlineData: { mimeType: 'image/jpeg', data: first }, thought: true },
      { inlineData: { mimeType: 'image/jpeg', data: second }, thoughtSignature: 'sig' },
    ];
    const stored = await storeParts(parts, blobs, [{ base64: second, bytes: Buffer.from(second, 'base64') }]);
    expect(stored.map((part) => part.blob?.sha256)).toEqual([blobIdOf(first), blobIdOf(second)]);
    await expect(blobs.get(blobIdOf(first))).resolves.toBe(first);
    await expect(blobs.get(blobIdOf(second))).resolves.toBe(second);
  });
});
