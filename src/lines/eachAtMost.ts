/** What eachAtMost did: each item's result in the items' order (a hole for one never started), and the items never started. */
export interface EachAtMost<T, R> {
  results: Array<R | undefined>;
  /** Taken by no worker because `signal` aborted first (shutdown): the caller names them, nobody else will. */
  notStarted: T[];
}

/**
 * Runs `work` for every item, at most `limit` at a time, and gives the
 * results in the items' order. For work that must neither run one by one
 * (a deleted channel's threads: minutes for a big channel) nor all at once
 * (thousands of requests or store reads in one burst).
 *
 * Once `signal` aborts, no new item starts: a stopping process exits soon
 * after, so an item started then would be cut off unseen; the items left are
 * returned in `notStarted`. Once a `work` rejects, no new item starts either,
 * and the first rejection is thrown only when every started item has ended,
 * so nothing keeps running behind a caller who already heard the failure.
 * A limit that is not a whole number of at least one throws: a NaN used to run
 * nothing at all, silently.
 */
export async function eachAtMost<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<EachAtMost<T, R>> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`eachAtMost: the limit must be a whole number of at least 1 (got ${limit})`);
  const results = new Array<R | undefined>(items.length).fill(undefined);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure && !options.signal?.aborted) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return { results, notStarted: items.slice(next) };
}
