import { randomUUID } from 'node:crypto';
import type Keyv from 'keyv';
import { KeyedSerialQueue } from '../lines/keyedSerialQueue.js';
import { holdLease, type LeaseLock } from '../store/leaseLock.js';
import type { TokenUsage } from '../gemini/generationOutcome.js';
import type { ImageSize } from '../gemini/imageOptions.js';
import { roundUsd, type PriceTable } from '../usage/priceTable.js';
import { MemoryHolds, StoredHolds, type Hold, type UsageHolds } from './usageHolds.js';
import { nextUtcDay, nextUtcMonth, utcDayKey, utcMonthKey } from '../usage/usagePeriods.js';
import {
  entryKey,
  guildTotalsKeys,
  NO_USAGE,
  userTotalsKeys,
  usageEntrySchema,
  usageTotalsSchema,
  type UsageEntry,
  type UsageLimits,
  type UsageOutcome,
  type UsageSummary,
  type UsageTotals,
} from '../usage/usageRecords.js';

export interface ReserveRequest {
  guildId: string;
  userId: string;
  model: string;
  imageSize: ImageSize | undefined;
  limits: UsageLimits;
  /** The request's input tokens, estimated from what it will send; RESERVED_INPUT_TOKENS when unknown. */
  inputTokens?: number | undefined;
}

export type ReserveResult =
  | { ok: true; reservation: Reservation }
  /** `used` and `allowed` are images for daily-images, USD for monthly-budget; `used` includes requests in flight. */
  | { ok: false; limit: 'daily-images' | 'monthly-budget'; resetsAt: Date; used: number; allowed: number };

export interface GenerationResult {
  /** Output images Gemini produced (0 for a refusal or a text-only answer). */
  images: number;
  usage: TokenUsage;
  outcome: UsageOutcome;
}

/** A hold on one generation's worst-case cost. Settle it exactly once: commit what Gemini billed, or cancel. */
export interface Reservation {
  /** Records the generation with its estimated actual cost and releases the hold. */
  commit(result: GenerationResult): Promise<UsageEntry>;
  /** Releases the hold without recording anything: for requests that never reached Gemini or cost nothing. */
  cancel(): void;
}

/**
 * The server's daily-image limit and monthly budget in USD, enforced in
 * front of Gemini (reserve: check and hold), and every generation's usage
 * and cost recorded against them (commit), which /usage reads.
 *
 * Budgets must hold with many requests in flight, so a reservation holds
 * the worst-case cost (and one image of the member's daily count) until it
 * is settled, and each server's read-check-hold, and each commit's update of
 * the totals, runs one at a time: in this process by a queue, and across
 * processes on a shared store (given `lock`) under that server's lease, with
 * the holds kept in the store so every process sees the others'.
 */
export class UsageBudget {
  private readonly guildLocks = new KeyedSerialQueue();
  private readonly holds: UsageHolds;
  private readonly lock: LeaseLock | undefined;
  /** The clock: injectable so tests can cross a UTC day or month. */
  readonly now: () => Date;
  private readonly onRecorded: ((entry: UsageEntry) => void) | undefined;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly keyv: Keyv,
    readonly prices: PriceTable,
    /**
     * `lock`: the shared store's lease (several processes); without it the ledger trusts it is alone.
     * `onRecorded` hears each generation once it is stored (the spend metric); `onError` a cancel that could not be saved.
     */
    options: { now?: () => Date; lock?: LeaseLock | undefined; onRecorded?: (entry: UsageEntry) => void; onError?: (error: unknown) => void } = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.lock = options.lock;
    this.holds = options.lock ? new StoredHolds(keyv, this.now, STORED_HOLD_TTL_MS) : new MemoryHolds();
    this.onRecorded = options.onRecorded;
    this.onError = options.onError ?? (() => undefined);
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.exclusive(request.guildId, () => this.checkAndHold(request));
  }

  /** One server's budget work at a time, in this process and, on a shared store, in all of them. */
  private exclusive<T>(guildId: string, task: () => Promise<T>): Promise<T> {
    const lock = this.lock;
    return this.guildLocks.run(guildId, lock ? () => holdLease(lock, `usage:${guildId}`, task) : task);
  }

  async userSummary(guildId: string, userId: string): Promise<UsageSummary> {
    const now = this.now();
    const keys = userTotalsKeys(guildId, userId, utcDayKey(now), utcMonthKey(now));
    const [today, month] = await Promise.all([this.readTotals(keys.day), this.readTotals(keys.month)]);
    return { today, month };
  }

  async guildSummary(guildId: string): Promise<UsageSummary> {
    const now = this.now();
    const keys = guildTotalsKeys(guildId, utcDayKey(now), utcMonthKey(now));
    const [today, month] = await Promise.all([this.readTotals(keys.day), this.readTotals(keys.month)]);
    return { today, month };
  }

  private async checkAndHold(request: ReserveRequest): Promise<ReserveResult> {
    const { guildId, userId, limits } = request;
    const now = this.now();
    const day = utcDayKey(now);
    const month = utcMonthKey(now);
    const holds = await this.holds.list(guildId);

    if (limits.dailyImageLimit > 0) {
      const held = holds.filter((hold) => hold.userId === userId && hold.day === day).length;
      const used = (await this.readTotals(userTotalsKeys(guildId, userId, day, month).day)).images + held;
      if (used + 1 > limits.dailyImageLimit) {
        return { ok: false, limit: 'daily-images', resetsAt: nextUtcDay(now), used, allowed: limits.dailyImageLimit };
      }
    }
    const costUsd = this.prices.worstCaseCost(request.model, request.imageSize, request.inputTokens);
    if (limits.monthlyBudgetUsd > 0) {
      const held = holds.filter((hold) => hold.month === month).reduce((sum, hold) => sum + hold.costUsd, 0);
      const used = roundUsd((await this.readTotals(guildTotalsKeys(guildId, day, month).month)).costUsd + held);
      // Compared in micro-dollars: 3 × 0.234 must fit a 0.702 budget despite binary floats.
      if (toMicros(used) + toMicros(costUsd) > toMicros(limits.monthlyBudgetUsd)) {
        return { ok: false, limit: 'monthly-budget', resetsAt: nextUtcMonth(now), used, allowed: limits.monthlyBudgetUsd };
      }
    }
    const hold: Hold = { id: randomUUID(), userId, day, month, costUsd };
    await this.holds.add(guildId, hold);
    return { ok: true, reservation: this.reservation(request, hold, now) };
  }

  private reservation(request: ReserveRequest, hold: Hold, reservedAt: Date): Reservation {
    let settled = false;
    const release = () => this.holds.remove(request.guildId, hold.id);
    return {
      commit: async (result) => {
        if (settled) throw new Error('usage reservation settled twice');
        settled = true;
        // Under the server's lock, so no reservation sees the hold gone before the totals include it.
        return this.exclusive(request.guildId, async () => {
          const entry = await this.record(request, hold, reservedAt, result);
          // Released only once recorded: if writing fails, the hold keeps guarding the budget until a restart (or it expires).
          await release();
          this.onRecorded?.(entry);
          return entry;
        });
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        // In memory the hold goes at once; in a shared store it goes under the lease, and if that fails it expires by itself.
        const released = this.lock ? this.exclusive(request.guildId, release) : release();
        released.catch(this.onError);
      },
    };
  }

  private async record(request: ReserveRequest, hold: Hold, reservedAt: Date, result: GenerationResult): Promise<UsageEntry> {
    const { usage } = result;
    const entry: UsageEntry = usageEntrySchema.parse({
      version: 1,
      guildId: request.guildId,
      userId: request.userId,
      model: request.model,
      imageSize: request.imageSize,
      outcome: result.outcome,
      images: result.images,
      promptTokens: usage.promptTokens,
      outputTokens: usage.outputTokens,
      thoughtTokens: usage.thoughtTokens,
      totalTokens: usage.totalTokens,
      costUsd: this.prices.estimateCost({ model: request.model, imageSize: request.imageSize, images: result.images, promptTokens: usage.promptTokens }),
      at: reservedAt.toISOString(),
    });
    const user = userTotalsKeys(request.guildId, request.userId, hold.day, hold.month);
    const guild = guildTotalsKeys(request.guildId, hold.day, hold.month);
    const keys = [user.day, user.month, guild.day, guild.month];
    // Together, not one after another (on Redis one pipelined round trip, on PostgreSQL one per connection at once);
    // nobody changes the totals meanwhile: this runs under the server's lock. The entry is written before any total:
    // if a total fails to update, the audit trail still has the generation.
    const [totals] = await Promise.all([Promise.all(keys.map((key) => this.readTotals(key))), this.keyv.set(entryKey(request.guildId, hold.day, randomUUID()), entry)]);
    await Promise.all(keys.map((key, index) => this.keyv.set(key, { version: 1, ...withEntry(totals[index]!, entry) })));
    return entry;
  }

  /** A damaged total throws rather than reading as zero: a budget must never be misread as unspent. */
  private async readTotals(key: string): Promise<UsageTotals> {
    const value: unknown = await this.keyv.get(key);
    if (value === undefined) return NO_USAGE;
    const parsed = usageTotalsSchema.safeParse(value);
    if (!parsed.success) throw new Error(`usage totals "${key}" are unreadable: ${parsed.error.message}`);
    const { version: _version, ...totals } = parsed.data;
    return totals;
  }
}

/** Longer than any generation (a long wait in line, Gemini's timeout, retries): only a crashed process's holds expire. */
const STORED_HOLD_TTL_MS = 30 * 60_000;

/** A period's totals once this generation is counted in them. */
function withEntry(totals: UsageTotals, entry: UsageEntry): UsageTotals {
  return {
    generations: totals.generations + 1,
    images: totals.images + entry.images,
    costUsd: roundUsd(totals.costUsd + entry.costUsd),
    promptTokens: totals.promptTokens + (entry.promptTokens ?? 0),
    outputTokens: totals.outputTokens + (entry.outputTokens ?? 0),
  };
}

function toMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}
