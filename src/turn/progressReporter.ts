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
  /** Nothing is being sent: the next update starts at once. */
  let idle = true;
  let closed = false;
  // Each retry starts a new try whose sketches count from 1 again: counted here, so a retry notice merged away still counts.
  let tries = 1;

  const flush = () => {
    timer = undefined;
    const next = wanted;
    if (closed || !next || keyOf(next, tries) === shown) return;
    shown = keyOf(next, tries);
    lastSentAt = Date.now();
    const send = () => new Promise<void>((resolve) => resolve(delivery.progress(next)));
    // Started at once when nothing is being sent. Queued behind a slow upload, an update can find the answer
    // ready by its turn: it is then dropped, never sent (megabytes, for a sketch) while the answer waits.
    const sent = idle ? send() : chain.then(() => (closed ? undefined : send()));
    idle = false;
    const queued: Promise<void> = sent
      .catch((error: unknown) => logger.debug({ err: error }, 'progress update failed'))
      .then(() => {
        if (chain === queued) idle = true;
      });
    chain = queued;
  };

  const report = ((progress: TurnProgress, options?: { now?: boolean }) => {
    if (closed) return;
    if (progress.kind === 'retrying') tries += 1;
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

/**
 * What makes two updates the same to the member: a sketch by its try and
 * number (its image is megabytes, never compared or serialized); a retry's
 * sketch 1 is a new picture.
 */
function keyOf(progress: TurnProgress, tries: number): string {
  return progress.kind === 'sketch' ? `try ${tries} sketch ${progress.number} ${progress.thought ?? ''}` : JSON.stringify(progress);
}
