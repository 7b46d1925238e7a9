import type { Logger } from 'pino';
import type { TurnDelivery, TurnProgress } from './turnRequest.js';

/** Discord rate-limits edits per channel; position changes for a long queue are coalesced to one edit per interval. */
const MIN_INTERVAL_MS = 2_000;

export interface ProgressReporter {
  (progress: TurnProgress, options?: { now?: boolean }): void;
  /** Resolves when every update sent so far has finished, so the answer never races a late status edit. */
  settled(): Promise<void>;
}

/**
 * Best-effort status notes for one turn: sent only when they change, one at
 * a time and in order, at most one per interval (the latest wins), and
 * never failing the turn.
 */
export function progressReporter(logger: Logger, delivery: Pick<TurnDelivery, 'progress'>): ProgressReporter {
  let shown = '';
  let wanted: TurnProgress | undefined;
  let lastSentAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const flush = () => {
    timer = undefined;
    const next = wanted;
    if (closed || !next || JSON.stringify(next) === shown) return;
    shown = JSON.stringify(next);
    lastSentAt = Date.now();
    chain = chain.then(() => delivery.progress(next)).catch((error: unknown) => logger.debug({ err: error }, 'progress update failed'));
  };

  const report = ((progress: TurnProgress, options?: { now?: boolean }) => {
    if (closed) return;
    wanted = progress;
    if (timer) return;
    const wait = options?.now ? 0 : Math.max(0, lastSentAt + MIN_INTERVAL_MS - Date.now());
    if (wait === 0) flush();
    else timer = setTimeout(flush, wait);
  }) as ProgressReporter;
  report.settled = async () => {
    closed = true;
    if (timer) clearTimeout(timer);
    await chain;
  };
  return report;
}
