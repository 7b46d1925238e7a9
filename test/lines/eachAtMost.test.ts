import { describe, expect, it, vi } from 'vitest';
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
    expect(await all).toEqual({ results: [10, 20, 30, 40, 50, 60, 70], notStarted: [] });
    expect(peak).toBe(3);
  });

  it('gives nothing for no items, without calling work', async () => {
    let calls = 0;
    expect(await eachAtMost([], 4, async () => ++calls)).toEqual({ results: [], notStarted: [] });
    expect(calls).toBe(0);
  });

  it('throws on a limit that is not a whole number of at least one, before starting anything', async () => {
    let calls = 0;
    for (const limit of [0, -1, Number.NaN, 1.5, Number.POSITIVE_INFINITY]) {
      await expect(eachAtMost(['a'], limit, async () => ++calls)).rejects.toThrow(RangeError);
    }
    expect(calls).toBe(0);
  });

  it('starts no item once the signal aborts, lets the started ones end, and names the items never started', async () => {
    const release = new Map<number, () => void>();
    const started: number[] = [];
    let onStart: () => void = () => undefined;
    const stopping = new AbortController();
    const all = eachAtMost([1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await new Promise<void>((resolve) => {
        release.set(item, resolve);
        onStart();
      });
      return item;
    }, { signal: stopping.signal });
    await new Promise<void>((resolve) => {
      onStart = () => started.length === 2 && resolve();
      onStart();
    });
    stopping.abort();
    // Both free their place after the abort: neither place takes item 3.
    release.get(1)!();
    release.get(2)!();
    expect(await all).toEqual({ results: [1, 2, undefined, undefined, undefined], notStarted: [3, 4, 5] });
    expect(started).toEqual([1, 2]);
  });

  it('starts nothing when the signal aborted before', async () => {
    let calls = 0;
    expect(await eachAtMost(['a', 'b'], 2, async () => ++calls, { signal: AbortSignal.abort() })).toEqual({ results: [undefined, undefined], notStarted: ['a', 'b'] });
    expect(calls).toBe(0);
  });

  it('after a rejection starts no new item, and rejects only once every started item has ended', async () => {
    const release = new Map<number, () => void>();
    const started: number[] = [];
    const ended: number[] = [];
    let onStart: () => void = () => undefined;
    let settled = false;
    const all = eachAtMost([0, 1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      await new Promise<void>((resolve) => {
        release.set(item, resolve);
        onStart();
      });
      ended.push(item);
      if (item === 1) throw new Error('boom');
      return item;
    });
    void all.catch(() => undefined).finally(() => (settled = true));
    await new Promise<void>((resolve) => {
      onStart = () => started.length === 3 && resolve();
      onStart();
    });
    release.get(1)!();
    // Its place would take item 3 next; wait until the rejection was seen, by the end of item 1's turn.
    await vi.waitFor(() => expect(ended).toEqual([1]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release.get(0)!();
    release.get(2)!();
    await expect(all).rejects.toThrow('boom');
    expect(started).toEqual([0, 1, 2]);
    expect(ended.sort()).toEqual([0, 1, 2]);
  });
});
