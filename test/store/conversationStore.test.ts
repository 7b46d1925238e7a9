import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/openStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { storeParts } from '../../src/conversation/storedParts.js';
import { partsSentAgain } from '../conversation/partsSentAgain.js';
import type { ConversationRecord, Exchange } from '../../src/conversation/conversationRecord.js';
import { storedRecordSchema } from '../../src/conversation/olderRecords.js';
import { readVersionedRecord } from '../../src/store/readVersionedRecord.js';

let directory: string;
let store: Store;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'store-test-'));
  store = await openStore(`sqlite://${directory}/nested/folder/bot.sqlite`);
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  await rm(directory, { recursive: true, force: true });
});

const imageBase64 = Buffer.from('pretend this is a large JPEG').toString('base64');

function record(threadId: string): ConversationRecord {
  const now = new Date(0).toISOString();
  return { version: 4, threadId, guildId: '1', model: 'gemini-3-pro-image', settings: {}, exchanges: [], createdAt: now, updatedAt: now };
}

describe('the conversation store', () => {
  it('creates the database folder and uses WAL mode', async () => {
    await expect(stat(path.join(directory, 'nested/folder'))).resolves.toBeTruthy();
    await store.keyv.set('probe', 1);
    await expect(stat(path.join(directory, 'nested/folder/bot.sqlite-wal'))).resolves.toBeTruthy();
  });

  it('gives back model parts exactly, with image bytes stored once outside the record', async () => {
    const blobs = new BlobStore(store.keyv);
    const parts = [
      { text: 'thinking', thought: true },
      { text: 'Here it is', thoughtSignature: 'sig-a' },
      { inlineData: { mimeType: 'image/jpeg', data: imageBase64 }, thoughtSignature: 'sig-b', unknownField: [1, { x: 2 }] },
      { inline_data: { mime_type: 'image/jpeg', data: imageBase64 }, thought_signature: 'sig-c' },
    ];
    const stored = await storeParts(parts, blobs);
    expect(JSON.stringify(stored)).not.toContain(imageBase64);
    expect(stored[2]?.blob?.sha256).toBe(stored[3]?.blob?.sha256);
    const restored = await partsSentAgain(stored, blobs);
    expect(restored).toEqual({ ok: true, parts });
    expect(restored.ok && JSON.stringify(restored.parts)).toBe(JSON.stringify(parts));
  });

  it('reports a missing image blob instead of replaying a broken history', async () => {
    const blobs = new BlobStore(store.keyv);
    const stored = await storeParts([{ inlineData: { mimeType: 'image/png', data: imageBase64 } }], blobs);
    await store.keyv.clear();
    const restored = await partsSentAgain(stored, blobs);
    expect(restored).toEqual({ ok: false, missingBlob: stored[0]!.blob!.sha256 });
  });

  it('saves every record as version 4, which a build from before reports unreadable instead of misreading', async () => {
    const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
    const exchange: Exchange = {
      user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] },
      model: { api: 'interactions', steps: [{ raw: { type: 'model_output', content: [{ type: 'text', text: 'hi' }] } }], interaction: { id: 'v1_abc', createdAt: new Date(0).toISOString() }, messageId: 'm1' },
      settings: {},
      createdAt: new Date(0).toISOString(),
    };
    await conversations.save({ ...record('500'), exchanges: [exchange] });
    expect(await store.keyv.get('conversation:500')).toMatchObject({ version: 4 });
    await expect(conversations.load('500')).resolves.toEqual({ kind: 'found', record: { ...record('500'), exchanges: [exchange] } });
    // The schemas builds before this one read with (versions 1 and 2, then 3), which this build still reads beside its own.
    const [recordV1Schema, recordV3Schema] = storedRecordSchema.options;
    await expect(readVersionedRecord(store.keyv, 'conversation:500', recordV1Schema)).resolves.toEqual({ kind: 'unreadable', problem: 'unknown record version 4' });
    await expect(readVersionedRecord(store.keyv, 'conversation:500', recordV3Schema)).resolves.toEqual({ kind: 'unreadable', problem: 'unknown record version 4' });
  });

  it('reads a version 1 record in the current shape, saying it was migrated (the thread\'s line writes it back)', async () => {
    const older = { user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] }, model: { contentFields: { role: 'model' }, parts: [{ raw: { text: 'hi' } }], messageId: 'm1' }, createdAt: new Date(0).toISOString() };
    await store.keyv.set('conversation:700', { ...record('700'), version: 1, exchanges: [older] });
    const loaded = await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load('700');
    expect(loaded).toEqual({ kind: 'found', migrated: true, record: { ...record('700'), exchanges: [{ ...older, model: { api: 'generate-content', ...older.model }, settings: {} }] } });
    expect(await store.keyv.get('conversation:700')).toMatchObject({ version: 1 }); // reading alone writes nothing
  });

  it('saves and loads a record, and tells missing from unreadable', async () => {
    const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
    await conversations.save(record('100'));
    await expect(conversations.load('100')).resolves.toEqual({ kind: 'found', record: record('100') });
    await expect(conversations.load('200')).resolves.toEqual({ kind: 'missing' });
    await store.keyv.set('conversation:300', { version: 99, whatever: true });
    await expect(conversations.load('300')).resolves.toMatchObject({ kind: 'unreadable', problem: 'unknown record version 99' });
    await store.keyv.set('conversation:400', { version: 1, threadId: 4 });
    await expect(conversations.load('400')).resolves.toMatchObject({ kind: 'unreadable' });
    const sqlite = store.keyv.store as { query(sql: string, ...parameters: unknown[]): Promise<unknown> };
    await sqlite.query('INSERT OR REPLACE INTO keyv(key, value) VALUES(?, ?)', 'bot:conversation:700', '{not json');
    await expect(conversations.load('700')).resolves.toMatchObject({ kind: 'unreadable', problem: expect.stringContaining('damaged') });
  });

  it('survives reopening the database file', async () => {
    const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
    await conversations.save(record('500'));
    await store.close();
    store = await openStore(`sqlite://${directory}/nested/folder/bot.sqlite`);
    await expect(new ConversationStore(store.keyv, new BlobStore(store.keyv)).load('500')).resolves.toMatchObject({ kind: 'found' });
  });

  it('throws when a write fails instead of dropping it silently', async () => {
    const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
    await store.close();
    await expect(conversations.save(record('600'))).rejects.toThrow();
  });
});
