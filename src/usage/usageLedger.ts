import { randomUUID } from 'node:crypto';
import type Keyv from 'keyv';
import { KeyedSerialQueue } from '../conversation/keyedSerialQueue.js';
import type { TokenUsage } from '../gemini/generationOutcome.js';
import type { ImageSize } from '../gemini/imageOptions.js';
import { roundUsd, type PriceTable } from './priceTable.js';
import { nextUtcDay, nextUtcMonth, utcDayKey, utcMonthKey } from './usagePeriods.js';
import {
  entryKey,
  guildTotalsKeys,
  NO_USAGE,
  userTotalsKeys,
  usageEntrySchema,
  usageTotalsSchema,
  type UsageEntry,
  type UsageOutcome,
  type UsageTotals,
} from './usageRecords.js';

/** A server's limits as effectiveSettings gives them; 0 means none. */
export interface UsageLimits {
  dailyImageLimit: number;
  monthlyBudgetUsd: number;
}

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
  readonly heldCostUsd: number;
  /** Records the generation with its estimated actual cost and releases the hold. */
  commit(result: GenerationResult): Promise<UsageEntry>;
  /** Releases the hold without recording anything: for requests that never reached Gemini or cost nothing. */
  cancel(): void;
}

interface Hold {
  userId: string;
  day: string;
  month: string;
  costUsd: number;
}

export interface UsageSummary {
  today: UsageTotals;
  month: UsageTotals;
}

/**
 * Every generation's usage and cost, and the gate in front of Gemini.
 *
 * Budgets must hold with many requests in flight, so a reservation holds
 * the worst-case cost (and one image of the member's daily count) until it
 * is settled, and each server's read-check-hold runs one at a time. That
 * lock lives in this process only: two bot processes sharing a database
 * could each admit the last affordable request (cross-process atomicity is
 * a later issue).
 */
export class UsageLedger {
  private readonly guildLocks = new KeyedSerialQueue();
  private readonly holds = new Map<string, Set<Hold>>();
  /** The clock: injectable so tests can cross a UTC day or month. */
  readonly now: () => Date;
  private readonly onRecorded: ((entry: UsageEntry) => void) | undefined;

  constructor(
    private readonly keyv: Keyv,
    readonly prices: PriceTable,
    /** `onRecorded` hears each generation once it is stored (the spend metric). */
    options: { now?: () => Date; onRecorded?: (entry: UsageEntry) => void } = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.onRecorded = options.onRecorded;
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.guildLocks.run(request.guildId, () => this.checkAndHold(request));
  }

  async userSummary(guildId: string, userId: string): Promise<UsageSummary> {
    const now = this.now();
    const keys = userTotalsKeys(guildId, userId, utcDayKey(now), utcMonthKey(now));
    return { today: await this.readTotals(keys.day), month: await this.readTotals(keys.month) };
  }

  async guildSummary(guildId: string): Promise<UsageSummary> {
    const now = this.now();
    const keys = guildTotalsKeys(guildId, utcDayKey(now), utcMonthKey(now));
    return { today: await this.readTotals(keys.day), month: await this.readTotals(keys.month) };
  }

  private async checkAndHold(request: ReserveRequest): Promise<ReserveResult> {
    const { guildId, userId, limits } = request;
    const now = this.now();
    const day = utcDayKey(now);
    const month = utcMonthKey(now);
    const holds = [...(this.holds.get(guildId) ?? [])];

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
    const hold: Hold = { userId, day, month, costUsd };
    this.holdsOf(guildId).add(hold);
    return { ok: true, reservation: this.reservation(request, hold, now) };
  }

  private reservation(request: ReserveRequest, hold: Hold, reservedAt: Date): Reservation {
    let settled = false;
    const release = () => {
      const holds = this.holds.get(request.guildId);
      holds?.delete(hold);
      if (holds?.size === 0) this.holds.delete(request.guildId);
    };
    return {
      heldCostUsd: hold.costUsd,
      commit: async (result) => {
        if (settled) throw new Error('usage reservation settled twice');
        settled = true;
        // Under the server's lock, so no reservation sees the hold gone before the totals include it.
        return this.guildLocks.run(request.guildId, async () => {
          const entry = await this.record(request, hold, reservedAt, result);
          // Released only once recorded: if writing fails, the hold keeps guarding the budget until a restart.
          release();
          this.onRecorded?.(entry);
          return entry;
        });
      },
      cancel: () => {
        if (settled) return;
        settled = true;
        release();
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
    // The entry first: if a total fails to update, the audit trail still has the generation.
    await this.keyv.set(entryKey(request.guildId, hold.day, randomUUID()), entry);
    const user = userTotalsKeys(request.guildId, request.userId, hold.day, hold.month);
    const guild = guildTotalsKeys(request.guildId, hold.day, hold.month);
    for (const key of [user.day, user.month, guild.day, guild.month]) {
      const totals = await this.readTotals(key);
      await this.keyv.set(key, {
        version: 1,
        generations: totals.generations + 1,
        images: totals.images + entry.images,
        costUsd: roundUsd(totals.costUsd + entry.costUsd),
        promptTokens: totals.promptTokens + (entry.promptTokens ?? 0),
        outputTokens: totals.outputTokens + (entry.outputTokens ?? 0),
      });
    }
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

  private holdsOf(guildId: string): Set<Hold> {
    let holds = this.holds.get(guildId);
    if (!holds) this.holds.set(guildId, (holds = new Set()));
    return holds;
  }
}

function toMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}
