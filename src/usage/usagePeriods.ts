/**
 * Limits count per UTC day and UTC month, the same for every member
 * wherever they live, so "resets at" is one instant the bot can state.
 */

/** `2026-07-31` */
export function utcDayKey(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** `2026-07` */
export function utcMonthKey(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** The next UTC midnight: when a daily limit resets. */
export function nextUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}

/** The first instant of next UTC month: when a monthly budget resets. */
export function nextUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}
