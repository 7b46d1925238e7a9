import type { UsageLimits, UsageSummary } from './usageRecords.js';
import { formatUsd } from './formatUsd.js';
import { nextUtcDay, nextUtcMonth } from './usagePeriods.js';

/** Discord shows `<t:unix:R>` as "in 5 hours" in each reader's own language and time zone. */
function relativeTime(at: Date): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:R>`;
}

const images = (count: number) => `${count} image${count === 1 ? '' : 's'}`;

/** `/usage` for any member: their own images today and this month. */
export function describeMemberUsage(mine: UsageSummary, limits: UsageLimits, now: Date): string {
  const limit = limits.dailyImageLimit > 0 ? ` (of ${limits.dailyImageLimit} a day; resets ${relativeTime(nextUtcDay(now))})` : '';
  return `You made ${images(mine.today.images)} today${limit} and ${images(mine.month.images)} this month.`;
}

/** `/usage` for admins: the server's images and estimated spend, against its budget. */
export function describeServerUsage(server: UsageSummary, limits: UsageLimits, now: Date): string {
  const budget =
    limits.monthlyBudgetUsd > 0
      ? ` of its ${formatUsd(limits.monthlyBudgetUsd)} monthly budget, which resets ${relativeTime(nextUtcMonth(now))}`
      : '; no monthly budget';
  return (
    `This server made ${images(server.today.images)} today (estimated ${formatUsd(server.today.costUsd)}) ` +
    `and ${images(server.month.images)} this month (estimated ${formatUsd(server.month.costUsd)}${budget}).`
  );
}
