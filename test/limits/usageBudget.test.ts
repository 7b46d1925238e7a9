import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageBudget, type ReserveRequest } from '../../src/limits/usageBudget.js';

const GUILD = '100000000000000001';
const ALICE = '200000000000000001';
const BOB = '200000000000000002';

let store: Store;
let clock: Date;
let ledger: UsageBudget;
const prices = new PriceTable();

beforeEach(async () => {
  store = await openStore('sqlite://:memory:');
  clock = new Date('2026-07-31T23:30:00Z');
  ledger = new UsageBudget(store.keyv, prices, { now: () => clock });
});
afterEach(() => store.close());

function request(overrides: Partial<ReserveRequest> & { daily?: number; budget?: number } = {}): ReserveRequest {
  const { daily = 0, budget = 0, ...rest } = overrides;
  return { guildId: GUILD, userId: ALICE, model: 'gemini-3-pro-image', imageSize: '1K', limits: { dailyImageLimit: daily, monthlyBudgetUsd: budget }, ...rest };
}

async function generate(overrides: Parameters<typeof request>[0] = {}) {
  const result = await ledger.reserve(request(overrides));
  if (!result.ok) throw new Error(`refused: ${result.limit}`);
  return result.reservation.commit({ images: 1, usage: { promptTokens: 1_000, outputTokens: 1_300 }, outcome: 'images' });
}

describe('the daily image limit', () => {
  it('refuses a member\'s next image once the limit is reached, saying when it resets, and lets them go again after UTC midnight', async () => {
    await generate({ daily: 2 });
    await generate({ daily: 2 });
    const refused = await ledger.reserve(request({ daily: 2 }));
    expect(refused).toEqual({ ok: false, limit: 'daily-images', resetsAt: new Date('2026-08-01T00:00:00Z'), used: 2, allowed: 2 });
    // Another member is not affected.
    expect((await ledger.reserve(request({ daily: 2, userId: BOB }))).ok).toBe(true);

    clock = new Date('2026-08-01T00:00:01Z');
    expect((await ledger.reserve(request({ daily: 2 }))).ok).toBe(true);
  });

  it('counts requests still in flight, so a burst cannot go past the limit', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => ledger.reserve(request({ daily: 2 }))));
    expect(results.filter((result) => result.ok)).toHaveLength(2);
  });

  it('frees the held image when a reservation is cancelled', async () => {
    const first = await ledger.reserve(request({ daily: 1 }));
    expect((await ledger.reserve(request({ daily: 1 }))).ok).toBe(false);
    if (first.ok) first.reservation.cancel();
    expect((await ledger.reserve(request({ daily: 1 }))).ok).toBe(true);
  });

  it('counts only images actually produced: a refusal by Gemini does not use up the day', async () => {
    const reserved = await ledger.reserve(request({ daily: 1 }));
    if (!reserved.ok) throw new Error('refused');
    await reserved.reservation.commit({ images: 0, usage: { promptTokens: 800 }, outcome: 'blocked' });
    expect((await ledger.reserve(request({ daily: 1 }))).ok).toBe(true);
  });
});

describe('the monthly budget', () => {
  const worstCase = prices.worstCaseCost('gemini-3-pro-image', '1K');

  it('never lets a server spend past its budget, even with 20 requests arriving at once', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => ledger.reserve(request({ budget: 3 * worstCase, userId: `3000000000000000${index + 10}` }))));
    expect(results.filter((result) => result.ok)).toHaveLength(3);
    const refused = results.find((result) => !result.ok);
    expect(refused).toMatchObject({ ok: false, limit: 'monthly-budget', resetsAt: new Date('2026-08-01T00:00:00Z'), allowed: 3 * worstCase });
  });

  it('records the actual cost on commit, which frees the rest of the hold for later requests', async () => {
    const entry = await generate({ budget: 1 });
    expect(entry).toMatchObject({ guildId: GUILD, userId: ALICE, model: 'gemini-3-pro-image', imageSize: '1K', images: 1, promptTokens: 1_000, outputTokens: 1_300, outcome: 'images', at: '2026-07-31T23:30:00.000Z' });
    expect(entry.costUsd).toBe(0.136); // 0.134 for the image + 1,000 input tokens at $2 per million
    const summary = await ledger.guildSummary(GUILD);
    expect(summary.month).toEqual({ generations: 1, images: 1, costUsd: 0.136, promptTokens: 1_000, outputTokens: 1_300 });
    expect(summary.today).toEqual(summary.month);
    expect((await ledger.userSummary(GUILD, ALICE)).today.images).toBe(1);
    expect((await ledger.userSummary(GUILD, BOB)).today.images).toBe(0);
  });

  it('refuses when what is spent plus what is in flight would pass the budget, and starts afresh next month', async () => {
    const budget = 0.136 + worstCase - 0.000001;
    await generate({ budget });
    expect(await ledger.reserve(request({ budget }))).toMatchObject({ ok: false, limit: 'monthly-budget', used: 0.136 });

    clock = new Date('2026-08-01T00:00:00Z');
    expect((await ledger.reserve(request({ budget }))).ok).toBe(true);
    expect((await ledger.guildSummary(GUILD)).month.costUsd).toBe(0);
  });

  it('prices the worst case of an unknown model at the most expensive known price', async () => {
    const budget = prices.worstCaseCost('gemini-3-pro-image', '4K');
    expect((await ledger.reserve(request({ budget, model: 'gemini-unknown-image', imageSize: '4K' }))).ok).toBe(true);
    expect((await ledger.reserve(request({ budget, model: 'gemini-3.1-flash-image', imageSize: '1K' }))).ok).toBe(false);
  });

  it('counts a generation in the day and month it was asked for, even when it finishes after midnight', async () => {
    const reserved = await ledger.reserve(request());
    if (!reserved.ok) throw new Error('refused');
    clock = new Date('2026-08-01T00:01:00Z');
    await reserved.reservation.commit({ images: 1, usage: {}, outcome: 'images' });
    expect((await ledger.guildSummary(GUILD)).month.images).toBe(0);
    clock = new Date('2026-07-31T23:59:00Z');
    expect((await ledger.guildSummary(GUILD)).month.images).toBe(1);
  });
});

describe('settling a reservation', () => {
  it('ignores a cancel after a commit, and refuses a second commit', async () => {
    const reserved = await ledger.reserve(request());
    if (!reserved.ok) throw new Error('refused');
    await reserved.reservation.commit({ images: 1, usage: {}, outcome: 'images' });
    reserved.reservation.cancel();
    await expect(reserved.reservation.commit({ images: 1, usage: {}, outcome: 'images' })).rejects.toThrow(/settled twice/);
    expect((await ledger.guildSummary(GUILD)).today.generations).toBe(1);
  });

  it('writes a commit\'s four totals together, once its entry is written, rather than one after another', async () => {
    const recording = new RecordingStore();
    ledger = new UsageBudget(new Keyv({ store: recording, throwOnErrors: true }), prices, { now: () => clock });
    await generate();
    const totals = recording.writes.filter((write) => write.key.includes('usage-totals:'));
    const entry = recording.writes.find((write) => write.key.includes('usage-entry:'))!;
    expect(totals).toHaveLength(4);
    expect(totals.every((write) => write.started > entry.finished)).toBe(true);
    // Each write takes a turn of the event loop: one after another, the last would start after the first finished.
    expect(Math.max(...totals.map((write) => write.started))).toBeLessThan(Math.min(...totals.map((write) => write.finished)));
    expect(await ledger.userSummary(GUILD, ALICE)).toMatchObject({ today: { generations: 1, images: 1 }, month: { generations: 1, images: 1 } });
  });

  it('leaves the totals as they were when the generation\'s entry cannot be written', async () => {
    const recording = new RecordingStore();
    recording.refuse = (key) => key.includes('usage-entry:');
    ledger = new UsageBudget(new Keyv({ store: recording, throwOnErrors: true }), prices, { now: () => clock });
    await expect(generate()).rejects.toThrow(/refused/);
    expect(recording.writes.filter((write) => write.key.includes('usage-totals:'))).toHaveLength(0);
  });

  it('refuses to read damaged totals as zero spend', async () => {
    await store.keyv.set(`usage-totals:guild-month:${GUILD}:2026-07`, { version: 1, costUsd: 'lots' });
    await expect(ledger.reserve(request({ budget: 5 }))).rejects.toThrow(/unreadable/);
  });
});

/**
 * A store that answers each call on a later turn of the event loop, as a
 * networked one does, and numbers when each write starts and finishes.
 */
class RecordingStore {
  private readonly data = new Map<string, unknown>();
  private step = 0;
  readonly writes: Array<{ key: string; started: number; finished: number }> = [];
  refuse: (key: string) => boolean = () => false;

  async get(key: string): Promise<unknown> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.data.get(key);
  }

  async set(key: string, value: unknown): Promise<void> {
    const write = { key, started: this.step++, finished: Number.NaN };
    await new Promise((resolve) => setImmediate(resolve));
    if (this.refuse(key)) throw new Error(`the store refused ${key}`);
    this.data.set(key, value);
    write.finished = this.step++;
    this.writes.push(write);
  }

  async delete(key: string): Promise<boolean> {
    return this.data.delete(key);
  }

  async clear(): Promise<void> {
    this.data.clear();
  }
}
