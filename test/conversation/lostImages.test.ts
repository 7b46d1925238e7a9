import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { ConversationRecord, Exchange } from '../../src/conversation/conversationRecord.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { loadConversation } from '../../src/conversation/loadConversation.js';
import { lostEveryImage, markLostImages } from '../../src/conversation/lostImages.js';
import type { RecordV1 } from '../../src/conversation/olderRecords.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { BlobStore } from '../../src/store/blobStore.js';

const createdAt = '2026-12-01T00:00:00.000Z';
const png = (text: string) => Buffer.from(`pretend this is a PNG: ${text}`).toString('base64');

describe('images the store lost', () => {
  it('are marked gone wherever the record holds them (a user part, a generateContent part, an Interactions step), the rest untouched', async () => {
    const keyv = new Keyv();
    const blobs = new BlobStore(keyv);
    const kept = await blobs.put(png('kept'));
    const lost = await blobs.put(png('lost'));
    await keyv.delete(`blob:${lost.sha256}`);
    const part = (blob: { sha256: string; length: number }) => ({ raw: { inlineData: { mimeType: 'image/png', data: '' } }, blob: { ...blob, field: 'inlineData' as const } });
    const first: Exchange = {
      user: { authorId: 'a', parts: [{ raw: { text: 'a fox' } }, part(lost)] },
      model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [part(kept), part(lost)], messageId: 'm1' },
      settings: {},
      createdAt,
    };
    const second: Exchange = {
      user: { authorId: 'a', parts: [{ raw: { text: 'blue' } }] },
      model: {
        api: 'interactions',
        steps: [{ raw: { type: 'model_output', content: [{ type: 'image', mime_type: 'image/png' }, { type: 'image', mime_type: 'image/png' }] }, images: [{ ...kept, in: 'content', index: 0 }, { ...lost, in: 'content', index: 1 }] }],
        interaction: { id: 'i2', createdAt },
        messageId: 'm2',
      },
      settings: {},
      createdAt,
    };
    const record: ConversationRecord = { version: 4, threadId: 't', guildId: 'g', model: 'gemini-3-pro-image', settings: {}, exchanges: [first, second], createdAt, updatedAt: createdAt };
    const gone = { sha256: lost.sha256, gone: true };
    const marked = await markLostImages(record, blobs);
    expect(marked.exchanges[0]!.user.parts[1]!.blob).toEqual({ ...gone, field: 'inlineData' });
    expect(marked.exchanges[0]!.model).toMatchObject({ parts: [part(kept), { blob: { ...gone, field: 'inlineData' } }] });
    expect(marked.exchanges[1]!.model).toMatchObject({ steps: [{ images: [{ ...kept, in: 'content', index: 0 }, { ...gone, in: 'content', index: 1 }] }] });
    expect(await markLostImages(marked, blobs)).toBe(marked);

    // Whether every image is lost (a mistaken BLOB_URL, say): then the record is set aside unmarked, never saved so.
    expect(lostEveryImage(marked)).toBe(false);
    await keyv.delete(`blob:${kept.sha256}`);
    expect(lostEveryImage(await markLostImages(marked, blobs))).toBe(true);
    expect(lostEveryImage({ ...record, exchanges: [{ ...first, user: { authorId: 'a', parts: [{ raw: { text: 'a fox' } }] }, model: { api: 'generate-content', contentFields: { role: 'model' }, parts: [{ raw: { text: 'which fox?' } }], messageId: 'm1' } }] })).toBe(false);
  });

  it('during a migration are not written back: the record stays as stored, so an image back in the store is found again', async () => {
    const keyv = new Keyv();
    const blobs = new BlobStore(keyv);
    const conversations = new ConversationStore(keyv, blobs);
    const image = await blobs.put(png('evicted'));
    await keyv.delete(`blob:${image.sha256}`);
    const older: RecordV1 = {
      version: 1,
      threadId: 't',
      guildId: 'g',
      model: 'gemini-3-pro-image',
      settings: {},
      exchanges: [{ user: { authorId: 'a', parts: [{ raw: { text: 'a fox' } }] }, model: { contentFields: {}, parts: [{ raw: { inlineData: { mimeType: 'image/png', data: '' } }, blob: { sha256: image.sha256, field: 'inlineData' } }], messageId: 'm1' }, createdAt }],
      createdAt,
      updatedAt: createdAt,
    };
    await keyv.set('conversation:t', older);
    const loaded = await loadConversation({ conversations, logger: createLogger('silent') }, 't', 'g');
    expect(loaded.kind === 'found' && loaded.record.exchanges[0]!.model).toMatchObject({ parts: [{ blob: { sha256: image.sha256, gone: true } }] });
    expect(await keyv.get('conversation:t')).toEqual(older);
    // Back in the store (the operator mended BLOB_URL): the next read finds its length.
    await blobs.put(png('evicted'));
    const again = await loadConversation({ conversations, logger: createLogger('silent') }, 't', 'g');
    expect(again.kind === 'found' && again.record.exchanges[0]!.model).toMatchObject({ parts: [{ blob: { sha256: image.sha256, length: png('evicted').length } }] });
    expect(await keyv.get('conversation:t')).toMatchObject({ version: 4 });
  });
});
