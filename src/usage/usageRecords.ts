import { z } from 'zod';
import { IMAGE_SIZES } from '../gemini/imageOptions.js';

/**
 * What the usage budget (limits/usageBudget.ts) stores. Entries are append-only (one per generation, the
 * audit trail); totals are running sums per period so /usage and every
 * reservation read one small record instead of scanning entries.
 */
export const usageEntrySchema = z.object({
  version: z.literal(1),
  guildId: z.string(),
  userId: z.string(),
  model: z.string(),
  /** Undefined: Gemini's default size (1K), priced as such. */
  imageSize: z.enum(IMAGE_SIZES).optional(),
  /** image-unreadable: Gemini produced (and billed) images none of which could be read, so the member saw none. */
  outcome: z.enum(['images', 'no-image', 'blocked', 'failed', 'image-unreadable']),
  images: z.number().int().nonnegative(),
  promptTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  thoughtTokens: z.number().int().nonnegative().optional(),
  totalTokens: z.number().int().nonnegative().optional(),
  costUsd: z.number().nonnegative(),
  /** ISO time the generation was asked for; its day and month are the ones it counts in. */
  at: z.string(),
});
export type UsageEntry = z.infer<typeof usageEntrySchema>;
export type UsageOutcome = UsageEntry['outcome'];

export const usageTotalsSchema = z.object({
  version: z.literal(1),
  generations: z.number().int().nonnegative(),
  images: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  promptTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
export type UsageTotals = Omit<z.infer<typeof usageTotalsSchema>, 'version'>;

export const NO_USAGE: UsageTotals = { generations: 0, images: 0, costUsd: 0, promptTokens: 0, outputTokens: 0 };

/** What /usage shows: today's and this month's totals. */
export interface UsageSummary {
  today: UsageTotals;
  month: UsageTotals;
}

/** A server's limits as effectiveSettings gives them, that limits/usageBudget.ts enforces; 0 means none. */
export interface UsageLimits {
  dailyImageLimit: number;
  monthlyBudgetUsd: number;
}

/** A member's running totals in one server, for the daily limit and /usage. */
export function userTotalsKeys(guildId: string, userId: string, day: string, month: string) {
  return { day: `usage-totals:user-day:${guildId}:${userId}:${day}`, month: `usage-totals:user-month:${guildId}:${userId}:${month}` };
}

/** A server's running totals, for its budget and the admins' /usage. */
export function guildTotalsKeys(guildId: string, day: string, month: string) {
  return { day: `usage-totals:guild-day:${guildId}:${day}`, month: `usage-totals:guild-month:${guildId}:${month}` };
}

export function entryKey(guildId: string, day: string, id: string): string {
  return `usage-entry:${guildId}:${day}:${id}`;
}
