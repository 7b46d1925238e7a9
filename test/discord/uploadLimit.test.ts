import { describe, expect, it } from 'vitest';
import { uploadLimitForTier } from '../../src/discord/uploadLimit.js';

const MiB = 1024 * 1024;

describe('the upload limit of a server', () => {
  it("follows Discord's boost tiers", () => {
    expect([0, 1, 2, 3].map(uploadLimitForTier)).toEqual([10 * MiB, 10 * MiB, 50 * MiB, 100 * MiB]);
  });

  it('falls back to the smallest for a tier it does not know', () => {
    expect([-1, 4, 1.5, Number.NaN].map(uploadLimitForTier)).toEqual(Array(4).fill(10 * MiB));
  });
});
