/**
 * Runs `work` for every item, at most `limit` at a time, and gives the
 * results in the items' order. For work that must neither run one by one
 * (a deleted channel's threads: minutes for a big channel) nor all at once
 * (thousands of requests or store reads in one burst). `work` should not
 * reject: a rejection rejects the whole at once while the rest still runs.
 */
export async function eachAtMost<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
