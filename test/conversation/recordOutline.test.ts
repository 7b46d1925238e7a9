import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { forgetThread } from '../../src/conversation/forgetThread.js';
import type { RecordV1 } from '../../src/conversation/olderRecords.js';
import { ThreadQueue } from '../../src/lines/threadQueue.js';
import { parseConfig } from '../../src/config/config.js';
import { imageOptionsHere } from '../../src/discord/imageOptionsHere.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { GuildSettings } from '../../src/settings/guildSettings.js';
import { BlobStore } from '../../src/store/blobStore.js';

/** A store that counts the reads of image blobs: what a reader of an older record pays for its migration. */
class CountingMap extends Map<string, unknown> {
  blobReads = 0;
  override get(key: string): unknown {
    if (key.includes('blob:')) this.blobReads += 1;
    return super.get(key);
  }
}

const createdAt = '2026-12-01T00:00:00.000Z';
const DAY = 24 * 60 * 60 * 1000;
const GUILD = '100000000000000001';
const THREAD = '200000000000000001';

/** A version 1 record (image lengths not kept) of two turns with an image each, its blobs stored. */
async function olderThread() {
  const map = new CountingMap();
  const keyv = new Keyv({ store: map });
  const blobs = new BlobStore(keyv);
  const image = (text: string) => Buffer.from(`pretend this is a large JPEG: ${text}`).toString('base64');
  const first = await blobs.put(image('first'));
  const second = await blobs.put(image('second'));
  const exchange = (messageId: string, sha256: string, interactionId: string): RecordV1['exchanges'][number] => ({
    user: { authorId: 'alice', parts: [{ raw: { text: `asked for ${messageId}` } }] },
    model: { contentFields: { role: 'model' }, parts: [{ raw: { inlineData: { mimeType: 'image/png', data: '' } }, blob: { sha256, field: 'inlineData' } }], messageId },
    interaction: { id: interactionId, createdAt },
    createdAt,
  });
  const record: RecordV1 = {
    version: 1,
    threadId: THREAD,
    guildId: GUILD,
    parentId: '300000000000000001',
    model: 'gemini-3.1-flash-image',
    settings: { aspectRatio: '1:8' },
    exchanges: [exchange('m1', first.sha256, 'i1'), exchange('m2', second.sha256, 'i2')],
    createdAt,
    updatedAt: createdAt,
  };
  await keyv.set(`conversation:${THREAD}`, record);
  map.blobReads = 0;
  return { map, keyv, conversations: new ConversationStore(keyv, blobs) };
}

describe('readers that need no image lengths', () => {
  it('a turn\'s read of an older record reads each image blob (the counter counts)', async () => {
    const { map, conversations } = await olderThread();
    expect((await conversations.load(THREAD)).kind).toBe('found');
    expect(map.blobReads).toBe(2);
  });

  it('the /imagine suggestions follow an older thread\'s model and options without reading one blob', async () => {
    const { map, keyv, conversations } = await olderThread();
    const parsed = parseConfig({ DISCORD_TOKEN: 'token', GEMINI_API_KEY: 'key' });
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const logger = createLogger('silent');
    const here = { conversations, guildSettings: new GuildSettings(keyv, parsed.config, logger), config: parsed.config, logger };
    const applying = await imageOptionsHere(here, { guildId: GUILD, channelId: THREAD, chosenModel: null });
    expect(applying).toMatchObject({ model: 'gemini-3.1-flash-image', applying: { aspectRatio: '1:8' } });
    expect(map.blobReads).toBe(0);
  });

  it('a deleted thread\'s older record goes, its interactions forgotten at Google, without reading one blob', async () => {
    const { map, conversations } = await olderThread();
    const forgotten: string[][] = [];
    // A day after the record's turns: within Google's retention, so every interaction is asked for.
    const deps = { conversations, threadQueue: new ThreadQueue(), logger: createLogger('silent'), config: { interactionRetentionMs: DAY }, now: () => Date.parse(createdAt) + DAY, gemini: { forget: async (ids: readonly string[]) => (forgotten.push([...ids]), []) } };
    expect(await forgetThread(deps, { threadId: THREAD, guildId: GUILD })).toEqual({ kind: 'forgotten', interactionIds: ['i1', 'i2'], sharedIds: [] });
    expect(forgotten).toEqual([['i1', 'i2']]);
    expect((await conversations.peek(THREAD)).kind).toBe('missing');
    expect(map.blobReads).toBe(0);
  });
});
