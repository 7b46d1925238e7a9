import { describe, expect, it } from 'vitest';
import { eachAtMost } from '../../src/lines/eachAtMost.js';

describe('eachAtMost', () => {
  it('runs the limit at once, never more, starts the next as one ends, and gives the results in the items\' order', async () => {
    const running = new Map<number, () => void>();
    let peak = 0;
    const started: number[] = [];
    let onStart: () => void = () => undefined;
    const all = eachAtMost([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      await new Promise<void>((resolve) => {
        running.set(item, resolve);
        peak = Math.max(peak, running.size);
        onStart();
      });
      running.delete(item);
      return item * 10;
    });
    const startedCount = (count: number) => new Promise<void>((resolve) => {
      onStart = () => started.length >= count && resolve();
      onStart();
    });
    await startedCount(3);
    expect(started).toEqual([1, 2, 3]);
    // Ended out of order: the next item takes the free place.
    running.get(2)!();
    await startedCount(4);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(running.size).toBe(3);
    while (running.size > 0) {
      [...running.values()][0]!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await all).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });

  it('gives nothing for no items, and runs one at a time for a limit below one', async () => {
    expect(await eachAtMost([], 4, async () => 1)).toEqual([]);
    let running = 0;
    let peak = 0;
    const results = await eachAtMost(['a', 'b'], 0, async (item) => {
      peak = Math.max(peak, ++running);
      await Promise.resolve();
      running--;
      return item.toUpperCase();
    });
    expect(results).toEqual(['A', 'B']);
    expect(peak).toBe(1);
  });
});
