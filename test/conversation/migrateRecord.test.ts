import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { interactionOf, type ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { migrateRecord } from '../../src/conversation/migrateRecord.js';
import { storedRecordSchema } from '../../src/conversation/olderRecords.js';
import { BlobStore } from '../../src/store/blobStore.js';

/** A blob store that counts what it is asked. */
class CountedBlobs extends BlobStore {
  gets = 0;
  override async get(sha256: string) {
    this.gets++;
    return super.get(sha256);
  }
}

const at = '2026-12-01T00:00:00.000Z';
const signed = { inlineData: { mimeType: 'image/jpeg', data: '' }, thoughtSignature: 'sig' };

/** A record exactly as version 1 (or 2) wrote it, read through the schema every stored record goes through. */
function stored(version: 1 | 2 | 3, exchanges: unknown[]) {
  return storedRecordSchema.parse({ version, threadId: 't', guildId: 'g', model: 'gemini-3-pro-image', settings: { aspectRatio: '1:1' }, exchanges, createdAt: at, updatedAt: at });
}

async function setUp() {
  const blobs = new CountedBlobs(new Keyv());
  const image = await blobs.put(Buffer.alloc(300, 7).toString('base64'));
  blobs.gets = 0;
  return { blobs, image };
}

describe('migrateRecord: a record of an earlier build, brought up to the current version once', () => {
  it('version 1 without image lengths or per-turn options: lengths from the blob store, options none chosen, nothing else touched', async () => {
    const { blobs, image } = await setUp();
    const older = stored(1, [
      {
        user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] },
        model: { contentFields: { role: 'model' }, parts: [{ raw: signed, blob: { sha256: image.sha256, field: 'inlineData' } }], messageId: 'm1' },
        createdAt: at,
      },
    ]);
    const current = await migrateRecord(older, blobs);
    expect(current).toEqual({
      version: 4,
      threadId: 't',
      guildId: 'g',
      model: 'gemini-3-pro-image',
      settings: { aspectRatio: '1:1' },
      exchanges: [
        {
          user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] },
          model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [{ raw: signed, blob: { sha256: image.sha256, field: 'inlineData', length: image.length } }], messageId: 'm1' },
          settings: {},
          createdAt: at,
        },
      ],
      createdAt: at,
      updatedAt: at,
    } satisfies ConversationRecord);
    expect(blobs.gets).toBe(1);
  });

  it('an image the store no longer has is marked gone, so later reads do not ask the store again', async () => {
    const { blobs } = await setUp();
    const lost = 'b'.repeat(64);
    const older = stored(1, [
      {
        user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] },
        model: { contentFields: { role: 'model' }, parts: [{ raw: signed, blob: { sha256: lost, field: 'inline_data' } }], messageId: 'm1' },
        settings: {},
        createdAt: at,
      },
    ]);
    const current = await migrateRecord(older, blobs);
    expect(current.exchanges[0]?.model).toMatchObject({ api: 'generate-content', parts: [{ blob: { sha256: lost, field: 'inline_data', gone: true } }] });
    blobs.gets = 0;
    expect(await migrateRecord(current, blobs)).toBe(current); // current: no I/O, nothing to write back
    expect(blobs.gets).toBe(0);
  });

  it('version 2 Interactions turns that do not say what they built on built on the turn before (the first on nothing); kept lengths and marks stay', async () => {
    const { blobs, image } = await setUp();
    const exchange = (messageId: string, interaction: Record<string, unknown>) => ({
      user: { authorId: 'u', parts: [{ raw: { text: `asked ${messageId}` } }] },
      model: {
        contentFields: { role: 'model' },
        parts: [{ raw: { step: { type: 'model_output' }, items: 'content' } }, { raw: { item: { type: 'image', data: '' }, in: 'content', inline_data: { data: '' } }, blob: { sha256: image.sha256, field: 'inline_data', length: image.length } }],
        messageId,
      },
      settings: { imageSize: '2K' },
      interaction: { id: `i-${messageId}`, createdAt: at, ...interaction },
      createdAt: at,
    });
    const older = stored(2, [exchange('m1', {}), exchange('m2', { shared: true }), exchange('m3', { builtOn: 'm1', outdated: true })]);
    const current = await migrateRecord(older, blobs);
    expect(current.exchanges.map(interactionOf)).toEqual([
      { id: 'i-m1', createdAt: at },
      { id: 'i-m2', createdAt: at, shared: true, builtOn: 'm1' },
      { id: 'i-m3', createdAt: at, builtOn: 'm1', outdated: true },
    ]);
    expect(current.exchanges.map((migrated) => migrated.settings)).toEqual([{ imageSize: '2K' }, { imageSize: '2K' }, { imageSize: '2K' }]);
    expect(current.exchanges[0]?.model).toMatchObject({ api: 'interactions', steps: [{ raw: { type: 'model_output', content: [{ type: 'image', data: '' }] }, images: [{ sha256: image.sha256, length: image.length, in: 'content', index: 0 }] }] });
    expect(blobs.gets).toBe(0); // every length was kept already
  });

  it('version 3 Interactions answers flattened into pseudo-parts become their steps again, exactly, each image where its item is', async () => {
    const { blobs, image } = await setUp();
    const draft = { sha256: 'c'.repeat(64), field: 'inline_data', length: 12 };
    const older = stored(3, [
      {
        user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] },
        model: {
          contentFields: { role: 'model' },
          parts: [
            { raw: { step: { type: 'thought', signature: 'c2ln' }, items: 'summary' } },
            { raw: { item: { type: 'text', text: 'plan' }, in: 'summary', thought: true } },
            { raw: { item: { type: 'image', data: '', mime_type: 'image/png' }, in: 'summary', inline_data: { mime_type: 'image/png', data: '' }, thought: true }, blob: draft },
            { raw: { step: { type: 'google_search_call', id: 'a', arguments: { queries: ['q'] }, signature: 'x' } } },
            { raw: { step: { type: 'model_output' }, items: 'content' } },
            { raw: { item: { type: 'text', text: 'hi', annotations: [{ type: 'url_citation', url: 'https://e.x' }] }, in: 'content' } },
            { raw: { item: { type: 'image', data: '', mime_type: 'image/jpeg' }, in: 'content', inline_data: { mime_type: 'image/jpeg', data: '' } }, blob: { sha256: image.sha256, field: 'inline_data', length: image.length } },
          ],
          messageId: 'm1',
        },
        settings: { aspectRatio: '16:9' },
        interaction: { id: 'v1_abc', createdAt: at, shared: true },
        createdAt: at,
      },
      {
        user: { authorId: 'u', parts: [{ raw: { text: 'a hat' } }] },
        model: { contentFields: { role: 'model' }, parts: [{ raw: { text: 'words' }, blob: undefined }], messageId: 'm2' },
        settings: {},
        createdAt: at,
      },
    ]);
    const current = await migrateRecord(older, blobs);
    expect(current.version).toBe(4);
    expect(current.exchanges[0]).toEqual({
      user: { authorId: 'u', parts: [{ raw: { text: 'a fox' } }] },
      model: {
        api: 'interactions',
        steps: [
          {
            raw: { type: 'thought', signature: 'c2ln', summary: [{ type: 'text', text: 'plan' }, { type: 'image', data: '', mime_type: 'image/png' }] },
            images: [{ sha256: draft.sha256, length: 12, in: 'summary', index: 1 }],
          },
          { raw: { type: 'google_search_call', id: 'a', arguments: { queries: ['q'] }, signature: 'x' } },
          {
            raw: { type: 'model_output', content: [{ type: 'text', text: 'hi', annotations: [{ type: 'url_citation', url: 'https://e.x' }] }, { type: 'image', data: '', mime_type: 'image/jpeg' }] },
            images: [{ sha256: image.sha256, length: image.length, in: 'content', index: 1 }],
          },
        ],
        interaction: { id: 'v1_abc', createdAt: at, shared: true },
        messageId: 'm1',
      },
      settings: { aspectRatio: '16:9' },
      createdAt: at,
    });
    // An answer without an interaction was generateContent's, kept as it was.
    expect(current.exchanges[1]?.model).toEqual({ api: 'generate-content', contentFields: { role: 'model' }, parts: [{ raw: { text: 'words' } }], messageId: 'm2' });
    expect(blobs.gets).toBe(0);
  });
});
