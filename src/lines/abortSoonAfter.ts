/**
 * A signal that aborts `ms` after `signal` does (never, without one): the
 * requests already in flight when a process begins to stop get a short
 * while to be answered, then are given up, so the work waiting on them ends
 * (and logs what it left) before the process exits. `dispose` once done, so
 * no timer or listener outlives the work.
 */
export function abortSoonAfter(signal: AbortSignal | undefined, ms: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    timer = setTimeout(() => controller.abort(), ms);
    timer.unref();
  };
  if (signal?.aborted) start();
  else signal?.addEventListener('abort', start, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      signal?.removeEventListener('abort', start);
      clearTimeout(timer);
    },
  };
}
