import Keyv from 'keyv';
import { describe, expect, it, vi } from 'vitest';
import { ChannelDeletedError, saveBranch } from '../../src/conversation/branchConversation.js';
import { ChannelThreads } from '../../src/conversation/channelThreads.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { forgetThread } from '../../src/conversation/forgetThread.js';
import { saveExchange } from '../../src/conversation/saveExchange.js';
import { ThreadQueue } from '../../src/lines/threadQueue.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { PollingLeaseLock, type LeaseLock } from '../../src/store/leaseLock.js';
import { createdAt, exchange, mapKeyv, retention, savedRecord, turnInThread } from './forgettingFixtures.js';

const place = { guildId: 'g1', channelId: 'c1' };

/** A logger whose lines (error level and above unless told) the test reads. */
function capturedLogger(level = 'error') {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  return { lines, logger: createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

/** A store (Keyv over a Map, as the bot's adapters are below Keyv) that can refuse list writes and counts the bytes written to them. */
function listStore() {
  const state = { refuseListWrites: false, listWrites: [] as Array<{ key: string; bytes: number }> };
  const { keyv, map } = mapKeyv({
    onSet(key, value) {
      if (!key.includes('channel-threads:')) return;
      if (state.refuseListWrites) throw new Error('the store refused the write');
      state.listWrites.push({ key, bytes: String(value).length });
    },
  });
  return { keyv, map, state };
}

/** A lease lock that records the keys it is asked for (one process: it never waits). */
function recordingLock(): LeaseLock & { keys: string[] } {
  const keys: string[] = [];
  return { keys, acquire: async (key) => (keys.push(key), async () => undefined), claimOnce: async () => true };
}

/** The store key of the list piece a thread lands in: the lease it takes to be added, in a scratch store. */
async function pieceOf(threadId: string): Promise<string> {
  const lock = recordingLock();
  await new ChannelThreads(new Keyv(), lock).add(place, threadId);
  return lock.keys[0]!;
}

/** A thread id, other than `threadId`, listed in the same piece. */
async function neighbourOf(threadId: string): Promise<string> {
  const piece = await pieceOf(threadId);
  for (let candidate = 0; ; candidate++) if (`n${candidate}` !== threadId && (await pieceOf(`n${candidate}`)) === piece) return `n${candidate}`;
}

describe('ChannelThreads: a channel list split in pieces', () => {
  it('adding one thread reads and writes one piece, not the whole list, under that piece\'s own lease', async () => {
    const { keyv, state } = listStore();
    const lock = recordingLock();
    const threads = new ChannelThreads(keyv, lock);
    const ids = Array.from({ length: 640 }, (_, index) => String(1_400_000_000_000_000_000n + BigInt(index)));
    for (const id of ids) await threads.add(place, id);
    const listBytes = ids.reduce((sum, id) => sum + id.length + 3, 0);
    state.listWrites.length = 0;
    lock.keys.length = 0;
    await threads.add(place, '1500000000000000000');
    expect(state.listWrites).toHaveLength(1);
    // The whole list of 641 ids is about 14 kB: one piece is a small part of it.
    expect(state.listWrites[0]!.bytes).toBeLessThan(listBytes / 16);
    expect(lock.keys).toEqual([state.listWrites[0]!.key.replace(/^keyv:/, '')]);
    expect((await threads.list(place)).sort()).toEqual([...ids, '1500000000000000000'].sort());
    // Many pieces, so new threads of one channel mostly take different leases.
    expect(new Set(await Promise.all(ids.slice(0, 64).map(pieceOf))).size).toBeGreaterThan(16);
  });

  it('reads the single list earlier builds kept, takes a deleted thread off it, and never adds to it', async () => {
    const keyv = new Keyv();
    const conversations = new ConversationStore(keyv, new BlobStore(keyv));
    await keyv.set('channel-threads:g1:c1', { version: 1, threadIds: ['t1', 't2'] });
    for (const threadId of ['t1', 't2']) await conversations.save(record(threadId));
    await conversations.byChannel.add(place, 't3');
    expect((await conversations.byChannel.list(place)).sort()).toEqual(['t1', 't2', 't3']);
    expect(await keyv.get('channel-threads:g1:c1')).toEqual({ version: 1, threadIds: ['t1', 't2'] });
    const deps = { conversations, threadQueue: new ThreadQueue(), logger: createLogger('silent'), ...retention, gemini: { forget: async () => [] } };
    expect((await forgetThread(deps, { threadId: 't1', guildId: 'g1' })).kind).toBe('forgotten');
    expect(await keyv.get('channel-threads:g1:c1')).toEqual({ version: 1, threadIds: ['t2'] });
    expect((await conversations.byChannel.list(place)).sort()).toEqual(['t2', 't3']);
  });
});

describe('ChannelThreads: a list that cannot be read is never overwritten blindly', () => {
  it('keeps the valid ids of a piece holding an entry that is not a thread id, and says so at error level', async () => {
    const { lines, logger } = capturedLogger();
    const keyv = new Keyv();
    const threads = new ChannelThreads(keyv, undefined, logger);
    const piece = await pieceOf('t1');
    const neighbour = await neighbourOf('t1');
    await keyv.set(piece, { version: 1, threadIds: ['t1', '', 42] });
    await threads.add(place, neighbour);
    expect(await keyv.get(piece)).toEqual({ version: 1, threadIds: ['t1', neighbour] });
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, key: piece, dropped: 2, kept: 1 }));
  });

  it('sets a piece of unknown shape aside as stored, says so at error level, then starts it over', async () => {
    const { lines, logger } = capturedLogger();
    const { keyv, map } = listStore();
    const threads = new ChannelThreads(keyv, undefined, logger);
    const piece = await pieceOf('t1');
    await keyv.set(piece, { version: 7, threadIds: ['t0'] });
    const stored = map.get(`keyv:${piece}`);
    await threads.add(place, 't1');
    expect(await threads.list(place)).toEqual(['t1']);
    const logged = lines.find((line) => line.key === piece && typeof line.setAsideAs === 'string');
    expect(logged).toMatchObject({ level: 50, problem: 'unknown record version 7' });
    expect(map.get(`keyv:${String(logged!.setAsideAs)}`)).toBe(stored);
  });

  it('a deleted thread leaves an unreadable piece alone, and listing passes over it with an error', async () => {
    const { lines, logger } = capturedLogger();
    const keyv = new Keyv();
    const threads = new ChannelThreads(keyv, undefined, logger);
    const piece = await pieceOf('t1');
    await threads.add(place, 't2');
    await keyv.set(piece, { version: 7, threadIds: ['t1'] });
    await threads.remove(place, ['t1']);
    expect(await keyv.get(piece)).toEqual({ version: 7, threadIds: ['t1'] });
    expect(await threads.list(place)).toEqual(['t2']);
    expect(lines.filter((line) => line.key === piece && line.level === 50)).toHaveLength(2);
  });
});

function record(threadId: string): ConversationRecord {
  return {
    version: 4,
    threadId,
    guildId: 'g1',
    parentId: 'c1',
    model: 'gemini-3-pro-image',
    settings: {},
    exchanges: [exchange(`${threadId}-m1`)],
    createdAt,
    updatedAt: createdAt,
  };
}

describe('a turn whose listing fails', () => {
  const turn = (stored: ConversationRecord | undefined) => turnInThread(stored, 'c1');

  it('still saves the record, not naming its channel (logged), and the next turn lists it', async () => {
    const { lines, logger } = capturedLogger('warn');
    const { keyv, state } = listStore();
    const deps = { conversations: new ConversationStore(keyv, new BlobStore(keyv), undefined, logger), blobs: new BlobStore(keyv) };
    state.refuseListWrites = true;
    const first = savedRecord(await saveExchange(deps, turn(undefined)));
    expect(first.parentId).toBeUndefined();
    expect(await deps.conversations.load('t1')).toMatchObject({ kind: 'found', record: { exchanges: [{ model: { messageId: 'm1' } }] } });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, threadId: 't1', err: expect.objectContaining({ message: 'the store refused the write' }) }));
    state.refuseListWrites = false;
    const second = savedRecord(await saveExchange(deps, turn(first)));
    expect(second.parentId).toBe('c1');
    expect(await deps.conversations.byChannel.list(place)).toEqual(['t1']);
  });

  it('a Branch whose listing fails still saves its record, not naming its channel', async () => {
    const { keyv, state } = listStore();
    const conversations = new ConversationStore(keyv, new BlobStore(keyv));
    state.refuseListWrites = true;
    const branch = await saveBranch({ conversations }, { record: record('t1'), index: 0 }, { threadId: 't2', messageId: 'n1', now: new Date(createdAt), parentId: 'c2' });
    expect(branch.parentId).toBeUndefined();
    expect(await conversations.load('t2')).toMatchObject({ kind: 'found', record: { threadId: 't2', exchanges: [{ model: { messageId: 'n1' } }] } });
  });

  it('still saves the record when the wait for the list\'s lease is cut short by a shutdown', async () => {
    const keyv = new Keyv();
    const taken = new PollingLeaseLock(
      { tryAcquire: async () => false, renew: async () => false, release: async () => undefined },
      { leaseMs: 60_000, onError: () => undefined, signal: AbortSignal.abort() },
    );
    const deps = { conversations: new ConversationStore(keyv, new BlobStore(keyv), taken), blobs: new BlobStore(keyv) };
    const saved = savedRecord(await saveExchange(deps, turn(undefined)));
    expect(saved.parentId).toBeUndefined();
    expect((await deps.conversations.load('t1')).kind).toBe('found');
  });
});

describe('a channel marked deleted (its deletion has begun)', () => {
  const turn = (stored: ConversationRecord | undefined) => turnInThread(stored, 'c1');
  const storeAndDeps = () => {
    const keyv = new Keyv();
    const conversations = new ConversationStore(keyv, new BlobStore(keyv));
    return { keyv, conversations, deps: { conversations, blobs: new BlobStore(keyv) } };
  };

  it('a new conversation listed there after the mark is taken off the list again and saves nothing', async () => {
    const { conversations, deps } = storeAndDeps();
    await conversations.byChannel.markDeleted(place);
    expect(await saveExchange(deps, turn(undefined))).toEqual({ kind: 'channel-deleted' });
    expect((await conversations.load('t1')).kind).toBe('missing');
    expect(await conversations.byChannel.list(place)).toEqual([]);
  });

  it('marks only that channel of that server: another channel, or the same id in another server, is listed and saved', async () => {
    const { conversations, deps } = storeAndDeps();
    await conversations.byChannel.markDeleted(place);
    expect(await conversations.byChannel.tryAdd({ guildId: 'g1', channelId: 'c2' }, 't2')).toBe('listed');
    expect(await conversations.byChannel.tryAdd({ guildId: 'g2', channelId: 'c1' }, 't3')).toBe('listed');
    expect(savedRecord(await saveExchange(deps, turnInThread(undefined, 'c2'))).parentId).toBe('c2');
  });

  it('a record from before records named their channel keeps what it held: the turn listing it there is not added', async () => {
    const { conversations, deps } = storeAndDeps();
    const { parentId: _older, ...older } = record('t1');
    await conversations.save(older);
    await conversations.byChannel.markDeleted(place);
    expect(await saveExchange(deps, turn(older))).toEqual({ kind: 'channel-deleted' });
    expect(await conversations.load('t1')).toMatchObject({ kind: 'found', record: { exchanges: older.exchanges } });
  });

  it('a Branch into a marked channel fails before its record is saved', async () => {
    const { conversations } = storeAndDeps();
    await conversations.byChannel.markDeleted(place);
    await expect(saveBranch({ conversations }, { record: record('t1'), index: 0 }, { threadId: 't2', messageId: 'n1', now: new Date(createdAt), parentId: 'c1' })).rejects.toBeInstanceOf(ChannelDeletedError);
    expect((await conversations.load('t2')).kind).toBe('missing');
    expect(await conversations.byChannel.list(place)).toEqual([]);
  });

  it('the mark lasts a day, far past any turn posted before the deletion', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(createdAt));
      const { conversations } = storeAndDeps();
      await conversations.byChannel.markDeleted(place);
      vi.setSystemTime(Date.parse(createdAt) + 23 * 60 * 60 * 1000);
      expect(await conversations.byChannel.tryAdd(place, 't1')).toBe('channel-deleted');
      vi.setSystemTime(Date.parse(createdAt) + 25 * 60 * 60 * 1000);
      expect(await conversations.byChannel.tryAdd(place, 't1')).toBe('listed');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a mark whose row is damaged still counts; one the store cannot read fails the save, which saves nothing', async () => {
    const { keyv, map } = listStore();
    const threads = new ChannelThreads(keyv);
    map.set('keyv:channel-deleted:g1:c1', '{"value": {"version": 1');
    expect(await threads.tryAdd(place, 't1')).toBe('channel-deleted');

    const failing = listStore();
    const get = failing.keyv.store.get.bind(failing.keyv.store);
    failing.keyv.store.get = async (key: string) => {
      if (key.includes('channel-deleted:')) throw new Error('the store is down');
      return get(key);
    };
    const conversations = new ConversationStore(failing.keyv, new BlobStore(failing.keyv));
    await expect(saveExchange({ conversations, blobs: new BlobStore(failing.keyv) }, turn(undefined))).rejects.toThrow('the store is down');
    expect(failing.map.has('keyv:conversation:t1')).toBe(false);
  });
});

// Review 6 F2: a failed listing still reads the mark.
describe('a channel marked deleted whose listing fails', () => {
  it('saves nothing of a new conversation there either (else a record of a deleted channel stays that nothing forgets)', async () => {
    const { keyv, state } = listStore();
    const conversations = new ConversationStore(keyv, new BlobStore(keyv));
    // forgetChannel has marked the channel and read its (empty) list; then this turn's listing fails (store hiccup, lease wait aborted).
    await conversations.byChannel.markDeleted(place);
    state.refuseListWrites = true;
    const saved = await saveExchange({ conversations, blobs: new BlobStore(keyv) }, turnInThread(undefined, 'c1'));
    expect(saved).toEqual({ kind: 'channel-deleted' });
    expect((await conversations.load('t1')).kind).toBe('missing');
  });
});

// Review 6B F2: the listing's failure is logged and the record kept, when the mark cannot be read either.
describe('a listing that fails while the mark cannot be read either', () => {
  it('still saves the record unlisted, and logs why the listing failed', async () => {
    const { keyv } = mapKeyv({
      onSet(key) {
        if (key.includes('channel-threads:')) throw new Error('list write refused');
      },
      onGet(key) {
        if (key.includes('channel-deleted:')) throw new Error('mark read refused');
      },
    });
    const { lines, logger } = capturedLogger('warn');
    const conversations = new ConversationStore(keyv, new BlobStore(keyv), undefined, logger);
    const saved = await saveExchange({ conversations, blobs: new BlobStore(keyv) }, turnInThread(undefined, 'c1')).catch((error: unknown) => error);
    const listingLogged = lines.some((line) => JSON.stringify(line).includes('list write refused'));
    expect({ saved: (saved as { kind?: string }).kind, listingLogged }).toEqual({ saved: 'saved', listingLogged: true });
  });
});
