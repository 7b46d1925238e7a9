/** Dollars as a member reads them: cents, or a tenth of a cent for the small sums a single image costs. */
export function formatUsd(usd: number): string {
  if (usd === 0 || usd >= 1) return `$${usd.toFixed(2)}`;
  // $0.134 keeps its third decimal; $0.500 reads better as $0.50.
  return `$${usd.toFixed(3).replace(/(\.\d\d)0$/, '$1')}`;
}
