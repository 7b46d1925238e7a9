import { describe, expect, it } from 'vitest';
import { spawnDelayMs } from '../../src/sharding/runShardingManager.js';

describe('spacing shard starts', () => {
  it('waits 5.5 s between shards when Discord allows one IDENTIFY at a time, and proportionally less when it allows more', () => {
    expect(spawnDelayMs(1)).toBe(5_500);
    expect(spawnDelayMs(2)).toBe(2_750);
    // Large bots: 16 buckets, so shards 0 and 16 (same bucket) still start 16 × 344 ms ≥ 5.5 s apart.
    expect(spawnDelayMs(16)).toBe(344);
    expect(16 * spawnDelayMs(16)).toBeGreaterThanOrEqual(5_500);
  });
});
