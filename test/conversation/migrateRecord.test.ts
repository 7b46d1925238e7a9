import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { migrateRecord } from '../../src/conversation/migrateRecord.js';
import { BlobStore } from '../../src/store/blobStore.js';

async function recordWith(blobs: BlobStore, lengths: 'kept' | 'dropped') {
  const image = await blobs.put(Buffer.alloc(300, 7).toString('base64'));
  const part = { raw: { inlineData: { mimeType: 'image/jpeg', data: '' }, thoughtSignature: 'sig' }, blob: { sha256: image.sha256, field: 'inlineData' as const, ...(lengths === 'kept' ? { length: image.length } : {}) } };
  const record: ConversationRecord = {
    version: 1,
    threadId: 't',
    guildId: 'g',
    model: 'gemini-3-pro-image',
    settings: {},
    exchanges: [{ user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] }, model: { contentFields: { role: 'model' }, parts: [part], messageId: 'm' }, settings: {}, createdAt: '2026-12-01T00:00:00.000Z' }],
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
  };
  return { record, length: image.length };
}

describe('migrateRecord', () => {
  it('gives an older record the image lengths a turn budgets with, changing nothing else', async () => {
    const blobs = new BlobStore(new Keyv());
    const { record, length } = await recordWith(blobs, 'dropped');
    const migrated = await migrateRecord(record, blobs);
    expect(migrated?.exchanges[0]?.model.parts[0]?.blob?.length).toBe(length);
    expect({ ...migrated, exchanges: [] }).toEqual({ ...record, exchanges: [] });
    expect(migrated?.exchanges[0]?.model.parts[0]?.raw).toEqual(record.exchanges[0]?.model.parts[0]?.raw); // the signed part, untouched
  });

  it('leaves a current record alone (undefined: nothing to write back)', async () => {
    const blobs = new BlobStore(new Keyv());
    expect(await migrateRecord((await recordWith(blobs, 'kept')).record, blobs)).toBeUndefined();
  });

  it('has nothing to write back when the images without a length are gone from the store (the turn finds them missing)', async () => {
    const empty = new BlobStore(new Keyv());
    const { record } = await recordWith(new BlobStore(new Keyv()), 'dropped');
    expect(await migrateRecord(record, empty)).toBeUndefined();
  });
});
