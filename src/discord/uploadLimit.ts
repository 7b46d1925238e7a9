const MiB = 1024 * 1024;

/**
 * The per-file upload limit of a server by its boost tier (Discord's
 * documented limits: 10 MiB, or 50 MiB at tier 2 and 100 MiB at tier 3).
 * An unknown tier gets the smallest: too small only costs quality.
 */
export function uploadLimitForTier(premiumTier: number): number {
  if (premiumTier === 3) return 100 * MiB;
  if (premiumTier === 2) return 50 * MiB;
  return 10 * MiB;
}
