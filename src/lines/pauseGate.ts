import { setTimeout as sleep } from 'node:timers/promises';

/** The clock and the waits a pause uses: real ones, or a test's that it moves itself (no test waits on real time). */
export interface Timers {
  now(): number;
  /** Resolves after `ms`; rejects once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};

/**
 * A pause several workers honour together: once one hears "slow down" (a
 * 429 on a batch of DELETEs), none of them sends again before the delay it
 * was given, instead of each finding the rate limit for itself. A longer
 * pause asked meanwhile extends it; a shorter one never shortens it.
 */
export class PauseGate {
  private until = 0;

  constructor(private readonly timers: Timers = realTimers) {}

  pauseFor(ms: number): void {
    this.until = Math.max(this.until, this.timers.now() + ms);
  }

  /** Resolves once no pause holds (at once when none does); rejects when `signal` aborts during the wait. */
  async passed(signal?: AbortSignal): Promise<void> {
    for (let left = this.until - this.timers.now(); left > 0; left = this.until - this.timers.now()) {
      await this.timers.sleep(left, signal);
    }
  }
}
