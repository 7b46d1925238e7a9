import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type KeyvSqlite from '@keyv/sqlite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { storeParts } from '../../src/conversation/storedParts.js';
import { GuildSettingsStore } from '../../src/settings/guildSettingsStore.js';
import { BlobStore, blobIdOf } from '../../src/store/blobStore.js';
import { openStore, openStores, type Store } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageBudget } from '../../src/limits/usageBudget.js';
import { partsSentAgain } from '../conversation/partsSentAgain.js';
import { freePort } from './servers.js';
import { useStoreServers } from './useStoreServers.js';
import { withoutRedis } from './withoutRedis.js';

/**
 * What every backend must do the same way, run against real servers: give
 * records and image bytes back exactly, tell a damaged record from a
 * missing one, and throw when the database refuses a write.
 */
const servers = useStoreServers('redis', 'postgres');
let directory: string;
const sqliteUrl = () => `sqlite://${directory}/bot.sqlite`;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'store-contract-'));
  await servers.reset();
});
afterEach(() => rm(directory, { recursive: true, force: true }));

interface Backend {
  url(): string;
  /** Stores text the bot never would write under one of its keys, as a damaged disk or a bad migration might. */
  writeRaw(store: Store, key: string, text: string): Promise<unknown>;
  /** Makes the database refuse writes the way it would in production; the message it refuses with. */
  refuseWrites(store: Store): Promise<RegExp>;
}

const backends: Record<'sqlite' | 'postgres' | 'redis', Backend> = {
  sqlite: {
    url: sqliteUrl,
    writeRaw: (store, key, text) => (store.keyv.store as KeyvSqlite).query('INSERT OR REPLACE INTO keyv(key, value) VALUES(?, ?)', `bot:${key}`, text),
    async refuseWrites(store) {
      await (store.keyv.store as KeyvSqlite).query('PRAGMA query_only = ON');
      return /readonly/;
    },
  },
  postgres: {
    url: () => servers.postgres.url,
    writeRaw: (_store, key, text) => servers.postgres.query('INSERT INTO keyv(key, value) VALUES($1, $2)', [`bot:${key}`, text]),
    async refuseWrites(store) {
      // A failover to a read-only server: new connections are read-only, and the open ones are cut while idle.
      await servers.postgres.adminQuery('ALTER DATABASE bot SET default_transaction_read_only = on');
      // The cut idle connection is reported as an error event (unheard, pg would crash the process), then dropped from the pool.
      const cut = new Promise((resolve) => store.keyv.once('error', resolve));
      await servers.postgres.adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'bot'");
      await expect(cut).resolves.toMatchObject({ message: expect.stringContaining('terminating connection') });
      return /read-only transaction/;
    },
  },
  redis: {
    url: () => servers.redis.url,
    writeRaw: (_store, key, text) => servers.redis.admin.set(`bot::${key}`, text),
    async refuseWrites() {
      // Redis full, with the default policy of refusing writes rather than evicting: what too many blobs lead to.
      await servers.redis.admin.configSet('maxmemory', '1');
      return /OOM/;
    },
  },
};

const imageBase64 = Buffer.from('pretend this is a large JPEG').toString('base64');

function record(threadId: string): ConversationRecord {
  const now = new Date(0).toISOString();
  return { version: 4, threadId, guildId: '1', model: 'gemini-3-pro-image', settings: {}, exchanges: [], createdAt: now, updatedAt: now };
}

for (const [name, backend] of Object.entries(backends)) {
  describe.skipIf(name === 'redis' && withoutRedis)(`the ${name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openStore(backend.url());
    });
    afterEach(() => store.close().catch(() => undefined));

    it('gives back records, settings and image bytes exactly as saved', async () => {
      const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
      await conversations.save(record('100'));
      await expect(conversations.load('100')).resolves.toEqual({ kind: 'found', record: record('100') });
      await expect(conversations.load('200')).resolves.toEqual({ kind: 'missing' });
      const settings = new GuildSettingsStore(store.keyv);
      await settings.save('1', { model: 'gemini-3.1-flash-image', channelIds: ['123456789012345678'] });
      await expect(settings.load('1')).resolves.toEqual({ kind: 'found', settings: { model: 'gemini-3.1-flash-image', channelIds: ['123456789012345678'] } });

      const blobs = new BlobStore(store.keyv);
      const parts = [
        { text: 'Here it is', thoughtSignature: 'sig-a' },
        { inlineData: { mimeType: 'image/jpeg', data: imageBase64 }, thoughtSignature: 'sig-b', unknownField: [1, { x: 2 }] },
      ];
      const restored = await partsSentAgain(await storeParts(parts, blobs), blobs);
      expect(restored.ok && JSON.stringify(restored.parts)).toBe(JSON.stringify(parts));
    });

    it("stores an image's base64 as itself, and still reads blobs and values written as JSON before", async () => {
      const raw = (key: string): Promise<unknown> => store.keyv.store.get(store.keyv._getKeyPrefix(key));
      const blobs = new BlobStore(store.keyv);
      const { sha256 } = await blobs.put(imageBase64);
      // No JSON around the text: copying megabytes into it twice per image was most of the peak memory.
      expect(await raw(`blob:${sha256}`)).toBe(imageBase64);
      await expect(blobs.get(sha256)).resolves.toBe(imageBase64);

      const older = Buffer.from('an image stored by an earlier version').toString('base64');
      const olderId = blobIdOf(older);
      await backend.writeRaw(store, `blob:${olderId}`, JSON.stringify({ value: { version: 1, base64: older }, expires: null }));
      await expect(blobs.get(olderId)).resolves.toBe(older);
      await expect(blobs.put(older)).resolves.toEqual({ sha256: olderId, length: older.length });

      // Texts that look like Keyv's own JSON or escapes, objects and expiring texts all come back as they were set.
      for (const value of ['{"value":"not an object"}', ' \n{"value":1}', ':base64:aGVsbG8=', '::colon', '', ' ', { version: 1, text: '{' }]) {
        await store.keyv.set('value:odd', value);
        await expect(store.keyv.get('value:odd')).resolves.toEqual(value);
      }
      await store.keyv.set('value:expiring', 'soon gone', 60_000);
      await expect(store.keyv.get('value:expiring')).resolves.toBe('soon gone');
      expect(await raw('value:expiring')).toMatch(/^\{/);
      // A JSON row restored by hand with white space before it still reads as JSON.
      await backend.writeRaw(store, 'value:restored', ` \n${JSON.stringify({ value: { version: 1, restored: true }, expires: null })}`);
      await expect(store.keyv.get('value:restored')).resolves.toEqual({ version: 1, restored: true });
    });

    it('keeps what was saved after the store is closed and opened again', async () => {
      await new ConversationStore(store.keyv, new BlobStore(store.keyv)).save(record('500'));
      const ledger = new UsageBudget(store.keyv, new PriceTable());
      const reserved = await ledger.reserve({ guildId: '1', userId: '2', model: 'gemini-3-pro-image', imageSize: '1K', limits: { dailyImageLimit: 0, monthlyBudgetUsd: 0 } });
      if (!reserved.ok) throw new Error('refused');
      await reserved.reservation.commit({ images: 1, usage: { promptTokens: 1_000, outputTokens: 1_300 }, outcome: 'images' });
      await store.close();
      store = await openStore(backend.url());
      await expect(new ConversationStore(store.keyv, new BlobStore(store.keyv)).load('500')).resolves.toMatchObject({ kind: 'found' });
      await expect(new UsageBudget(store.keyv, new PriceTable()).userSummary('1', '2')).resolves.toMatchObject({ today: { images: 1 } });
    });

    it('reports a damaged or unknown record as unreadable instead of misreading it', async () => {
      const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
      await store.keyv.set('conversation:300', { version: 99, whatever: true });
      await expect(conversations.load('300')).resolves.toMatchObject({ kind: 'unreadable', problem: 'unknown record version 99' });
      await backend.writeRaw(store, 'conversation:700', '{not json');
      await expect(conversations.load('700')).resolves.toMatchObject({ kind: 'unreadable', problem: expect.stringContaining('damaged') });
    });

    it('sets a conversation record aside exactly as stored, damaged or not, under a key of its own', async () => {
      const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
      const raw = (key: string): Promise<unknown> => store.keyv.store.get(store.keyv._getKeyPrefix(key));
      await backend.writeRaw(store, 'conversation:700', '{not json');
      const now = new Date('2026-12-01T10:00:00.000Z');
      const damagedKey = await conversations.setAside('700', now);
      expect(damagedKey).toBe('conversation-set-aside:700:2026-12-01T10:00:00.000Z');
      expect(await raw(damagedKey!)).toBe('{not json');

      await conversations.save(record('800'));
      const readableKey = await conversations.setAside('800', now);
      expect(await store.keyv.get(readableKey!)).toEqual(record('800'));
      await expect(conversations.setAside('900', now)).resolves.toBeUndefined(); // nothing stored, nothing to keep
    });

    it('rewrites an image whose stored text no longer spells its bytes, instead of keeping the damage', async () => {
      const blobs = new BlobStore(store.keyv);
      const { sha256 } = await blobs.put(imageBase64);
      await store.keyv.set(`blob:${sha256}`, { version: 1, base64: `${imageBase64.slice(0, 8)}!*~${imageBase64.slice(8)}` });
      await expect(blobs.put(imageBase64)).resolves.toEqual({ sha256, length: imageBase64.length });
      await expect(blobs.get(sha256)).resolves.toBe(imageBase64);
    });

    it('throws when the database refuses a write instead of dropping it silently', async () => {
      await store.keyv.get('warm:the-connection');
      const refusal = await backend.refuseWrites(store);
      await expect(new ConversationStore(store.keyv, new BlobStore(store.keyv)).save(record('600'))).rejects.toThrow(refusal);
      await expect(new BlobStore(store.keyv).put(imageBase64)).rejects.toThrow(refusal);
    });
  });
}

describe('opening stores', () => {
  it('stops at start with one message naming the variable, never the password, when a server refuses connections', async () => {
    const closedPort = await freePort();
    const failure = openStore(`postgres://bot:hunter2-secret@127.0.0.1:${closedPort}/bot`);
    await expect(failure).rejects.toThrow(`DATABASE_URL: cannot open the store at postgres://bot:***@127.0.0.1:${closedPort}/bot: connect ECONNREFUSED`);
    const blobFailure = openStores({ databaseUrl: sqliteUrl(), blobUrl: `redis://:hunter2-secret@127.0.0.1:${closedPort}` });
    await expect(blobFailure).rejects.toThrow(`BLOB_URL: cannot open the store at redis://:***@127.0.0.1:${closedPort}: connect ECONNREFUSED`);
    await expect(blobFailure.catch((error: Error) => error.message)).resolves.not.toContain('hunter2');
  });

  for (const backend of ['postgres', 'redis'] as const) {
    it.skipIf(backend === 'redis' && withoutRedis)(`keeps working after ${backend} drops the bot's connections (a restart or failover)`, async () => {
      const store = await openStore(servers[backend].url);
      await store.keyv.set('before', 1);
      const dropped = new Promise((resolve) => store.keyv.once('error', resolve));
      if (backend === 'redis') await servers.redis.admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
      else await servers.postgres.adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'bot'");
      await dropped;
      // Reconnecting takes a moment; meanwhile a command fails rather than waits, which the member would be told.
      await vi.waitFor(() => store.keyv.set('after', 2), { timeout: 10_000, interval: 50 });
      await expect(store.keyv.get('before')).resolves.toBe(1);
      await store.close();
    });
  }

  it('puts image bytes in the BLOB_URL store and everything else in DATABASE_URL', async () => {
    const stores = await openStores({ databaseUrl: servers.postgres.url, blobUrl: sqliteUrl() });
    const { sha256 } = await new BlobStore(stores.blobKeyv).put(imageBase64);
    await new ConversationStore(stores.keyv, new BlobStore(stores.blobKeyv)).save(record('800'));
    const rows = await servers.postgres.query('SELECT key FROM keyv ORDER BY key');
    expect(rows.rows.map((row: { key: string }) => row.key)).toEqual(['bot:conversation:800']);
    await expect(new BlobStore(stores.blobKeyv).get(sha256)).resolves.toBe(imageBase64);
    await stores.close();
  });
});
