/** Dollars as a member reads them: cents, or a tenth of a cent for the small sums a single image costs. */
export function formatUsd(usd: number): string {
  if (usd === 0 || usd >= 1) return `$${usd.toFixed(2)}`;
  return `$${usd.toFixed(3)}`;
}
