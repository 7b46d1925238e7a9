import type { Logger } from 'pino';
import type { TurnDelivery, TurnProgress } from './turnRequest.js';

/**
 * Discord rate-limits edits per channel; position changes for a long queue
 * and sketches (each an upload of megabytes) are coalesced to one edit per
 * interval, the newest winning: well inside the few edits per few seconds
 * Discord lets one message take.
 */
const MIN_INTERVAL_MS = 2_000;

export interface ProgressReporter {
  (progress: TurnProgress, options?: { now?: boolean }): void;
  /** Resolves when every update sent so far has finished, so the answer never races a late status edit. */
  settled(): Promise<void>;
}

/**
 * Best-effort status notes for one turn: sent only when they change, one at
 * a time and in order, at most one per interval (the latest wins), none
 * once settled() was called (so nothing comes after the answer), and never
 * failing the turn.
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
    if (closed || !next || sameAs(next) === shown) return;
    shown = sameAs(next);
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

/** What makes two updates the same to the member: a sketch by its number (its image is megabytes, never compared or serialized). */
function sameAs(progress: TurnProgress): string {
  return progress.kind === 'sketch' ? `sketch ${progress.number} ${progress.thought ?? ''}` : JSON.stringify(progress);
}
