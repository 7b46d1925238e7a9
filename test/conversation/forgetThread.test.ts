import { describe, expect, it } from 'vitest';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { forgetThread } from '../../src/conversation/forgetThread.js';
import { createdAt, exchange, storeHolding } from './forgettingFixtures.js';

const record: ConversationRecord = {
  version: 4,
  threadId: 't1',
  guildId: 'g1',
  model: 'gemini-3-pro-image',
  settings: {},
  exchanges: [
    exchange('m1', { id: 'i1', createdAt, shared: true }),
    exchange('m2'),
    exchange('m3', { id: 'i3', createdAt, outdated: true }),
    exchange('m4', { id: 'i4', createdAt }),
  ],
  createdAt,
  updatedAt: createdAt,
};

function setUp(...records: ConversationRecord[]) {
  return storeHolding(records, { listed: false });
}

describe('forgetThread', () => {
  it('keeps a record that names another channel than the one Discord says the deleted thread was in: nothing removed on a guess', async () => {
    const { conversations, forgotten, deps } = await setUp({ ...record, parentId: 'c1' });
    expect(await forgetThread(deps, { threadId: 't1', guildId: 'g1', parentId: 'c2' })).toEqual({ kind: 'kept', reason: 'other-channel' });
    expect((await conversations.load('t1')).kind).toBe('found');
    expect(forgotten).toEqual([]);
    expect(await forgetThread(deps, { threadId: 't1', guildId: 'g1', parentId: 'c1' })).toMatchObject({ kind: 'forgotten' });
  });

  it('removes the record and forgets its interactions at Google, outdated ones too, but not those a Branch shares', async () => {
    const { conversations, forgotten, deps } = await setUp(record, { ...record, threadId: 't2' });
    expect(await forgetThread(deps, { threadId: 't1', guildId: 'g1' })).toEqual({ kind: 'forgotten', interactionIds: ['i3', 'i4'], sharedIds: ['i1'] });
    expect((await conversations.load('t1')).kind).toBe('missing');
    expect((await conversations.load('t2')).kind).toBe('found');
    expect(forgotten).toEqual([['i3', 'i4']]);
  });

  it('hands Google\'s forgetting the shutdown signal, so no DELETE starts once the bot stops', async () => {
    const { deps } = await setUp(record);
    const stopping = new AbortController();
    const signals: Array<AbortSignal | undefined> = [];
    const gemini = { forget: async (ids: readonly string[], options?: { signal?: AbortSignal | undefined }) => (signals.push(options?.signal), [...ids]) };
    await forgetThread({ ...deps, gemini, shutdownSignal: stopping.signal }, { threadId: 't1', guildId: 'g1' });
    expect(signals).toEqual([stopping.signal]);
  });

  it('asks Google for nothing past its longest retention (55 days), owed or held, by the rule a Delete asks by', async () => {
    const DAY = 24 * 60 * 60 * 1000;
    const later = new Date(Date.parse(createdAt) + 50 * DAY).toISOString();
    const { forgotten, deps } = await setUp({
      ...record,
      exchanges: [exchange('m1', { id: 'i1', createdAt }), exchange('m2', { id: 'i2', createdAt: later })],
      // An old Delete's ids Google never confirmed: 'o1' made with i1, 'o2' with i2; 'plain' dated by the record's last change.
      forgetAtGoogle: [{ id: 'o1', createdAt }, { id: 'o2', createdAt: later }, 'plain'],
      updatedAt: later,
    });
    // 56 days after createdAt: i1 and o1 are past Google's longest retention, Google dropped them itself.
    const clock = { ...deps, now: () => Date.parse(createdAt) + 56 * DAY };
    expect(await forgetThread(clock, { threadId: 't1', guildId: 'g1' })).toEqual({ kind: 'forgotten', interactionIds: ['o2', 'plain', 'i2'], sharedIds: [] });
    expect(forgotten).toEqual([['o2', 'plain', 'i2']]);
  });

  it('does nothing for a thread it never stored, and asks Google nothing', async () => {
    const { forgotten, deps } = await setUp(record);
    expect(await forgetThread(deps, { threadId: 'elsewhere', guildId: 'g1' })).toEqual({ kind: 'none' });
    expect(forgotten).toEqual([]);
  });

  it('keeps a record that names another server', async () => {
    const { conversations, forgotten, deps } = await setUp(record);
    expect(await forgetThread(deps, { threadId: 't1', guildId: 'g2' })).toEqual({ kind: 'kept', reason: 'other-server' });
    expect((await conversations.load('t1')).kind).toBe('found');
    expect(forgotten).toEqual([]);
  });

  it('keeps a record it cannot read rather than remove it on a guess', async () => {
    const { keyv, conversations, forgotten, deps } = await setUp();
    await keyv.set('conversation:t1', { version: 9, nonsense: true });
    expect(await forgetThread(deps, { threadId: 't1', guildId: 'g1' })).toEqual({ kind: 'kept', reason: 'unreadable' });
    expect((await conversations.load('t1')).kind).toBe('unreadable');
    expect(forgotten).toEqual([]);
  });

  it('waits for a turn running in the thread, so the exchange it saves is forgotten with the rest', async () => {
    const { conversations, forgotten, deps } = await setUp(record);
    let finishTurn!: () => void;
    let turnStarted!: () => void;
    const started = new Promise<void>((resolve) => (turnStarted = resolve));
    const turn = deps.threadQueue.run('t1', async () => {
      const finished = new Promise<void>((resolve) => (finishTurn = resolve));
      turnStarted();
      await finished;
      await conversations.save({ ...record, exchanges: [...record.exchanges, exchange('m5', { id: 'i5', createdAt })] });
    });
    await started;
    const forgetting = forgetThread(deps, { threadId: 't1', guildId: 'g1' });
    finishTurn();
    await turn;
    expect(await forgetting).toEqual({ kind: 'forgotten', interactionIds: ['i3', 'i4', 'i5'], sharedIds: ['i1'] });
    expect((await conversations.load('t1')).kind).toBe('missing');
    expect(forgotten).toEqual([['i3', 'i4', 'i5']]);
  });
});
