import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { ChannelThreads } from '../../src/conversation/channelThreads.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { forgetChannel } from '../../src/conversation/forgetChannel.js';
import { forgetThread } from '../../src/conversation/forgetThread.js';
import { saveExchange } from '../../src/conversation/saveExchange.js';
import { ThreadQueue } from '../../src/lines/threadQueue.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { PollingLeaseLock, type LeaseBackend } from '../../src/store/leaseLock.js';
import { createdAt, exchange, mapKeyv, retention, savedRecord, storeHolding, turnInThread } from './forgettingFixtures.js';

function record(threadId: string, more: Partial<ConversationRecord> = {}): ConversationRecord {
  return {
    version: 4,
    threadId,
    guildId: 'g1',
    parentId: 'c1',
    model: 'gemini-3-pro-image',
    settings: {},
    exchanges: [exchange(`${threadId}-m1`, { id: `${threadId}-i1`, createdAt, shared: true }), exchange(`${threadId}-m2`, { id: `${threadId}-i2`, createdAt })],
    createdAt,
    updatedAt: createdAt,
    ...more,
  };
}

function setUp(...records: ConversationRecord[]) {
  return storeHolding(records, { listed: true });
}

describe('forgetChannel', () => {
  it('forgets every conversation listed under the channel, as deleted threads, and drops the list', async () => {
    const { conversations, forgotten, deps } = await setUp(record('t1'), record('t2'), record('t3', { parentId: 'c2' }));
    expect(await forgetChannel(deps, { guildId: 'g1', channelId: 'c1' })).toEqual(['forgotten', 'forgotten']);
    expect((await conversations.load('t1')).kind).toBe('missing');
    expect((await conversations.load('t2')).kind).toBe('missing');
    expect((await conversations.load('t3')).kind).toBe('found');
    // Each shared interaction is shared with a thread not forgotten here: it stays at Google; the others asked for together (the list keeps no order).
    expect(forgotten.map((ids) => ids.sort())).toEqual([['t1-i2', 't2-i2']]);
    expect(await conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).toEqual([]);
    expect(await conversations.byChannel.list({ guildId: 'g1', channelId: 'c2' })).toEqual(['t3']);
  });

  it('reads only its own server\'s list: another server\'s deletion of the same channel id touches nothing', async () => {
    const { conversations, forgotten, deps } = await setUp(record('t1'));
    expect(await forgetChannel(deps, { guildId: 'g2', channelId: 'c1' })).toEqual([]);
    expect((await conversations.load('t1')).kind).toBe('found');
    expect(forgotten).toEqual([]);
    expect(await conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).toEqual(['t1']);
  });

  it('keeps a listed record that names another server or another channel, or cannot be read, and goes on with the rest', async () => {
    const { keyv, conversations, forgotten, deps } = await setUp(record('t1'), record('t2'));
    await conversations.save(record('t3', { guildId: 'g2' }));
    await conversations.save(record('t4', { parentId: 'c9' }));
    await keyv.set('conversation:t5', { version: 9, nonsense: true });
    for (const threadId of ['t3', 't4', 't5']) await conversations.byChannel.add({ guildId: 'g1', channelId: 'c1' }, threadId);
    expect((await forgetChannel(deps, { guildId: 'g1', channelId: 'c1' })).sort()).toEqual(['forgotten', 'forgotten', 'kept', 'kept', 'kept']);
    for (const threadId of ['t3', 't4']) expect((await conversations.load(threadId)).kind).toBe('found');
    expect((await conversations.load('t5')).kind).toBe('unreadable');
    expect(forgotten.map((ids) => ids.sort())).toEqual([['t1-i2', 't2-i2']]);
    // Kept records stay listed: off the list, one left in the store (an unreadable one above all) would be orphaned.
    expect((await conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).sort()).toEqual(['t3', 't4', 't5']);
  });

  it('forgets every thread\'s record before asking Google for any interaction, then asks for all of them together', async () => {
    const threadIds = Array.from({ length: 30 }, (_, index) => `t${index}`);
    const { conversations, deps } = await setUp(...threadIds.map((threadId) => record(threadId)));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const asked: string[][] = [];
    // Google takes its time: the DELETEs are answered only once the test has looked at the store.
    let askedOnce!: () => void;
    const askedForAny = new Promise<void>((resolve) => (askedOnce = resolve));
    const slowGoogle = { forget: async (ids: readonly string[]) => (asked.push([...ids]), askedOnce(), await answered, []) };
    const forgetting = forgetChannel({ ...deps, gemini: slowGoogle }, { guildId: 'g1', channelId: 'c1' });
    await askedForAny;
    // One by one, the second thread's record would still wait for the first thread's DELETEs.
    for (const threadId of threadIds) expect((await conversations.peek(threadId)).kind).toBe('missing');
    expect(await conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).toEqual([]);
    expect(asked.map((ids) => ids.sort())).toEqual([threadIds.map((threadId) => `${threadId}-i2`).sort()]);
    answer();
    expect(await forgetting).toEqual(threadIds.map(() => 'forgotten'));
  });

  it('changes each piece of the list once, at the end, however many threads the channel had', async () => {
    const map = new Map<string, unknown>();
    const listChanges: string[] = [];
    const store = {
      get: async (key: string) => map.get(key),
      set: async (key: string, value: unknown) => void (key.includes('channel-threads:') && listChanges.push(key), map.set(key, value)),
      delete: async (key: string) => (key.includes('channel-threads:') && listChanges.push(key), map.delete(key)),
      clear: async () => map.clear(),
      has: async (key: string) => map.has(key),
      on: () => store,
    };
    const keyv = new Keyv({ store: store as never, throwOnErrors: true });
    const conversations = new ConversationStore(keyv, new BlobStore(keyv));
    const threadIds = Array.from({ length: 300 }, (_, index) => `t${index}`);
    for (const threadId of threadIds) {
      await conversations.save(record(threadId));
      await conversations.byChannel.add({ guildId: 'g1', channelId: 'c1' }, threadId);
    }
    listChanges.length = 0;
    const deps = { conversations, threadQueue: new ThreadQueue(), logger: createLogger('silent'), ...retention, gemini: { forget: async () => [] } };
    expect(await forgetChannel(deps, { guildId: 'g1', channelId: 'c1' })).toHaveLength(300);
    expect(await conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).toEqual([]);
    expect(listChanges.length).toBeGreaterThan(0);
    expect(listChanges.length).toBe(new Set(listChanges).size);
  });

  it('keeps listed a thread whose forgetting failed, and one another process lists meanwhile; the forgotten ones leave', async () => {
    const map = new Map<string, unknown>();
    const store = {
      get: async (key: string) => {
        if (key === 'keyv:conversation:t2') throw new Error('the store is unreachable');
        return map.get(key);
      },
      set: async (key: string, value: unknown) => void map.set(key, value),
      delete: async (key: string) => map.delete(key),
      clear: async () => map.clear(),
      has: async (key: string) => map.has(key),
      on: () => store,
    };
    const keyv = new Keyv({ store: store as never, throwOnErrors: true });
    const conversations = new ConversationStore(keyv, new BlobStore(keyv));
    const place = { guildId: 'g1', channelId: 'c1' };
    for (const threadId of ['t1', 't2', 't3']) {
      await keyv.set(`conversation:${threadId}`, record(threadId));
      await conversations.byChannel.add(place, threadId);
    }
    // A new conversation of the channel another process lists while this one forgets (Google's answer comes between).
    const forget = async () => (await conversations.byChannel.add(place, 't9'), []);
    const deps = { conversations, threadQueue: new ThreadQueue(), logger: createLogger('silent'), ...retention, gemini: { forget } };
    expect((await forgetChannel(deps, place)).sort()).toEqual(['forgotten', 'forgotten']);
    expect((await conversations.byChannel.list(place)).sort()).toEqual(['t2', 't9']);
    expect(map.has('keyv:conversation:t2')).toBe(true);
  });

  /** A first thread and its Branch: 'b-i1' copied into t2 (shared in both); each thread's own turn after it. */
  const branched = () => [
    record('t1', { exchanges: [exchange('m1', { id: 'b-i1', createdAt, shared: true }), exchange('m2', { id: 't1-i2', createdAt })] }),
    record('t2', { exchanges: [exchange('m1', { id: 'b-i1', createdAt, shared: true }), exchange('m3', { id: 't2-i2', createdAt })] }),
  ];

  it('asks Google for the interactions a Branch shared between its threads too, once both records are gone with the channel', async () => {
    const { conversations, forgotten, deps } = await setUp(...branched(), record('t3'));
    expect(await forgetChannel(deps, { guildId: 'g1', channelId: 'c1' })).toEqual(['forgotten', 'forgotten', 'forgotten']);
    for (const threadId of ['t1', 't2', 't3']) expect((await conversations.load(threadId)).kind).toBe('missing');
    // t3-i1 is shared with a thread whose record is not among those forgotten here: it stays.
    expect(forgotten.map((ids) => ids.sort())).toEqual([['b-i1', 't1-i2', 't2-i2', 't3-i2']]);
  });

  it('asks for no shared interaction when a record of the channel was kept: it may name them (here it does)', async () => {
    const { conversations, forgotten, deps } = await setUp(...branched());
    // A third holder of 'b-i1' listed under this channel but naming another: kept, so 'b-i1' must stay.
    await conversations.save(record('t4', { parentId: 'c9', exchanges: [exchange('m1', { id: 'b-i1', createdAt, shared: true })] }));
    await conversations.byChannel.add({ guildId: 'g1', channelId: 'c1' }, 't4');
    expect((await forgetChannel(deps, { guildId: 'g1', channelId: 'c1' })).sort()).toEqual(['forgotten', 'forgotten', 'kept']);
    expect((await conversations.load('t4')).kind).toBe('found');
    expect(forgotten.map((ids) => ids.sort())).toEqual([['t1-i2', 't2-i2']]);
  });

  it('asks for no shared interaction past Google\'s retention, by the rule every other is asked by', async () => {
    const { forgotten, deps } = await setUp(...branched());
    const late = { ...deps, now: () => Date.parse(createdAt) + 56 * 24 * 60 * 60 * 1000 };
    await forgetChannel(late, { guildId: 'g1', channelId: 'c1' });
    expect(forgotten).toEqual([]);
  });

  it('a thread deleted by itself leaves its channel\'s list', async () => {
    const { conversations, deps } = await setUp(record('t1'), record('t2'));
    expect((await forgetThread(deps, { threadId: 't1', guildId: 'g1' })).kind).toBe('forgotten');
    expect(await conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).toEqual(['t2']);
  });
});

describe('a record listed under its channel', () => {
  const turn = (stored: ConversationRecord | undefined, parentId: string | undefined) => turnInThread(stored, parentId, 'again');

  it('a new conversation is listed under the channel it opens in; a record from before parentIds is listed on its next turn', async () => {
    const keyv = new Keyv();
    const deps = { conversations: new ConversationStore(keyv, new BlobStore(keyv)), blobs: new BlobStore(keyv) };
    const first = savedRecord(await saveExchange(deps, turn(undefined, 'c1')));
    expect(first.parentId).toBe('c1');
    expect(await deps.conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).toEqual(['t1']);

    const { parentId: _older, ...older } = record('t2');
    await deps.conversations.save(older);
    const next = savedRecord(await saveExchange(deps, { ...turn(older, 'c2'), threadId: 't2' }));
    expect(next.parentId).toBe('c2');
    expect(await deps.conversations.byChannel.list({ guildId: 'g1', channelId: 'c2' })).toEqual(['t2']);
    // Already listed: a later turn writes no list again.
    await deps.conversations.byChannel.remove({ guildId: 'g1', channelId: 'c2' }, ['t2']);
    await saveExchange(deps, { ...turn(next, 'c2'), threadId: 't2' });
    expect(await deps.conversations.byChannel.list({ guildId: 'g1', channelId: 'c2' })).toEqual([]);
  });
});

describe('forgetChannel when the bot stops or Google does not confirm', () => {
  function capturing() {
    const lines: Array<Record<string, unknown>> = [];
    return { lines, logger: createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) };
  }

  it('once shutdown began starts forgetting no thread (the store is closing): they stay stored and listed, and are named', async () => {
    const { conversations, forgotten, deps } = await setUp(record('t1'), record('t2'));
    const { lines, logger } = capturing();
    const stopping = new AbortController();
    stopping.abort();
    expect(await forgetChannel({ ...deps, logger, shutdownSignal: stopping.signal }, { guildId: 'g1', channelId: 'c1' })).toEqual([]);
    for (const threadId of ['t1', 't2']) expect((await conversations.load(threadId)).kind).toBe('found');
    expect((await conversations.byChannel.list({ guildId: 'g1', channelId: 'c1' })).sort()).toEqual(['t1', 't2']);
    expect(forgotten).toEqual([]);
    const left = lines.filter((line) => String(line['msg']).startsWith('shutdown began before the conversations of these threads'));
    expect(left.map((line) => [line['channelId'], (line['threadIds'] as string[]).sort()])).toEqual([['c1', ['t1', 't2']]]);
  });

  it('names in one warning, with the channel and their threads, the ids Google did not confirm deleted', async () => {
    const { deps } = await setUp(record('t1'), record('t2'), record('t3'));
    const { lines, logger } = capturing();
    const refusing = { forget: async (ids: readonly string[]) => ids.filter((id) => id !== 't2-i2') };
    await forgetChannel({ ...deps, logger, gemini: refusing }, { guildId: 'g1', channelId: 'c1' });
    const left = lines.filter((line) => line['level'] === 40 && /expire with Google's retention/.test(String(line['msg'])));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ channelId: 'c1', guildId: 'g1' });
    expect((left[0]!['interactionIds'] as string[]).sort()).toEqual(['t1-i2', 't3-i2']);
    expect((left[0]!['threadIds'] as string[]).sort()).toEqual(['t1', 't3']);
  });
});

describe('ChannelThreads', () => {
  it('keeps every thread two writers add at once, each holding the channel\'s lease to read and write the list', async () => {
    const keyv = new Keyv();
    // A lease backend as a shared store keeps one (the same three atomic steps), for two processes' locks.
    const holders = new Map<string, string>();
    const held: string[] = [];
    const backend: LeaseBackend = {
      tryAcquire: async (key, token) => {
        if (holders.has(key)) return false;
        holders.set(key, token);
        held.push(key);
        return true;
      },
      renew: async (key, token) => holders.get(key) === token,
      release: async (key, token) => void (holders.get(key) === token && holders.delete(key)),
    };
    const lock = () => new PollingLeaseLock(backend, { leaseMs: 60_000, onError: (error) => { throw error; } });
    // Two processes on one store: two lists of one channel, each with its own in-process line.
    const [one, two] = [new ChannelThreads(keyv, lock()), new ChannelThreads(keyv, lock())];
    const place = { guildId: 'g1', channelId: 'c1' };
    await Promise.all([one.add(place, 't1'), two.add(place, 't2'), one.add(place, 't3')]);
    expect((await one.list(place)).sort()).toEqual(['t1', 't2', 't3']);
    expect(held).toHaveLength(3);
    for (const key of held) expect(key).toMatch(/^channel-threads:g1:c1:\d+$/);
  });
});

describe('forgetChannel marks the channel deleted before it reads its list', () => {
  /** A store (Keyv over a Map) that records each read of a list piece and each write of a deletion mark, and can refuse the marks. */
  function orderedStore() {
    const state = { refuseMarks: false, order: [] as string[] };
    const { keyv } = mapKeyv({
      onGet(key) {
        if (key.includes('channel-threads:') && !state.order.includes('list read')) state.order.push('list read');
      },
      onSet(key) {
        if (!key.includes('channel-deleted:')) return;
        if (state.refuseMarks) throw new Error('the store refused the write');
        state.order.push('marked');
      },
    });
    const lines: Array<Record<string, unknown>> = [];
    const conversations = new ConversationStore(keyv, new BlobStore(keyv));
    const deps = {
      conversations,
      threadQueue: new ThreadQueue(),
      logger: createLogger('warn', { write: (line: string) => void lines.push(JSON.parse(line)) }),
      ...retention,
      gemini: { forget: async () => [] },
    };
    return { keyv, state, lines, conversations, deps };
  }

  it('so a new conversation saved after that read finds the mark and is not saved; another channel\'s is', async () => {
    const { keyv, state, conversations, deps } = orderedStore();
    await conversations.save(record('t1'));
    await conversations.byChannel.add({ guildId: 'g1', channelId: 'c1' }, 't1');
    state.order.length = 0;
    expect(await forgetChannel(deps, { guildId: 'g1', channelId: 'c1' })).toEqual(['forgotten']);
    expect(state.order).toEqual(['marked', 'list read']);
    const blobs = new BlobStore(keyv);
    expect(await saveExchange({ conversations, blobs }, { ...turnInThread(undefined, 'c1'), threadId: 't2' })).toEqual({ kind: 'channel-deleted' });
    expect((await conversations.load('t2')).kind).toBe('missing');
    expect(savedRecord(await saveExchange({ conversations, blobs }, { ...turnInThread(undefined, 'c2'), threadId: 't3' })).parentId).toBe('c2');
  });

  it('a mark the store refuses is logged, and the channel\'s conversations are forgotten all the same', async () => {
    const { state, lines, conversations, deps } = orderedStore();
    await conversations.save(record('t1'));
    await conversations.byChannel.add({ guildId: 'g1', channelId: 'c1' }, 't1');
    state.refuseMarks = true;
    expect(await forgetChannel(deps, { guildId: 'g1', channelId: 'c1' })).toEqual(['forgotten']);
    expect((await conversations.load('t1')).kind).toBe('missing');
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, channelId: 'c1', msg: expect.stringContaining('could not be marked deleted') }));
  });
});
