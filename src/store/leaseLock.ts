import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** Gives the key back; safe to call once the lease was lost (it then releases nothing). */
export type ReleaseLease = () => Promise<void>;

/**
 * A lock shared by every bot process on one store. It is a lease, not a
 * session lock: a process that crashes while holding it blocks the key for
 * one lease at most. The holder renews it while its work runs, so a long
 * Gemini call keeps it.
 */
export interface LeaseLock {
  /** Waits (polling, with bounded backoff) until this process holds `key`. */
  acquire(key: string): Promise<ReleaseLease>;
  /**
   * True for the one process that claims `key` first within `forMs`: a lease
   * never released, left to expire. Two processes connected as the same
   * shard (a rolling deploy) both receive every message; one answers it.
   */
  claimOnce(key: string, forMs: number): Promise<boolean>;
}

/** The three atomic operations a store must offer; each touches the key only while `token` owns it. */
export interface LeaseBackend {
  /** Takes the key if nobody holds it or its lease ran out; true when taken. */
  tryAcquire(key: string, token: string, leaseMs: number): Promise<boolean>;
  /** Extends the lease; false when the key is no longer this token's. */
  renew(key: string, token: string, leaseMs: number): Promise<boolean>;
  release(key: string, token: string): Promise<void>;
  /** Deletes claims that ran out, where the store does not expire keys itself. */
  sweepExpired?(): Promise<void>;
}

export interface LeaseOptions {
  /** How long a crashed holder blocks a key. Renewed every third of it, so a pause shorter than two thirds loses nothing. */
  leaseMs: number;
  /** Renewals and releases that fail: the work itself is done or goes on, but an operator should know. */
  onError(error: unknown, context: { key: string; stage: 'renew' | 'release' | 'lost' | 'sweep' }): void;
  /** Aborted at shutdown: a turn still waiting for its thread gives up at once instead of outliving the store. */
  signal?: AbortSignal | undefined;
}

const FIRST_POLL_MS = 10;
/** Bounded so a freed key is taken within half a second, without hammering the store while a long turn runs. */
const MAX_POLL_MS = 500;

/** Runs `task` while holding `key`, and releases it however the task ends. */
export async function holdLease<T>(lock: LeaseLock, key: string, task: () => Promise<T>): Promise<T> {
  const release = await lock.acquire(key);
  try {
    return await task();
  } finally {
    await release();
  }
}

/** One process on one store (SQLite): the in-process queues already order everything, and Discord sends each event once. */
export const PROCESS_LOCAL: LeaseLock = { acquire: async () => async () => undefined, claimOnce: async () => true };

/** Claims left to expire pile up where the store keeps expired rows (PostgreSQL): the first claim and one in this many clear them. */
const SWEEP_EVERY_CLAIMS = 256;

export class PollingLeaseLock implements LeaseLock {
  // The first claim sweeps: a bot restarted more often than every 256 messages would otherwise never sweep.
  private claimsSinceSweep = SWEEP_EVERY_CLAIMS - 1;

  constructor(
    private readonly backend: LeaseBackend,
    private readonly options: LeaseOptions,
  ) {}

  async acquire(key: string): Promise<ReleaseLease> {
    const token = randomUUID();
    const { leaseMs } = this.options;
    // Not FIFO across processes; each waiter gets in eventually because every holder releases or its lease expires.
    for (let waitMs = FIRST_POLL_MS; !(await this.backend.tryAcquire(key, token, leaseMs)); waitMs = Math.min(waitMs * 2, MAX_POLL_MS)) {
      // Jitter, so waiters in several processes do not poll in lockstep.
      await sleep(waitMs / 2 + Math.random() * (waitMs / 2), undefined, { signal: this.options.signal });
    }
    const stopRenewing = this.renewWhileHeld(key, token);
    return async () => {
      stopRenewing();
      try {
        await this.backend.release(key, token);
      } catch (error) {
        // The work is done; the lease expires on its own.
        this.options.onError(error, { key, stage: 'release' });
      }
    };
  }

  async claimOnce(key: string, forMs: number): Promise<boolean> {
    if (++this.claimsSinceSweep >= SWEEP_EVERY_CLAIMS && this.backend.sweepExpired) {
      this.claimsSinceSweep = 0;
      this.backend.sweepExpired().catch((error: unknown) => this.options.onError(error, { key: 'claim:*', stage: 'sweep' }));
    }
    return this.backend.tryAcquire(`claim:${key}`, randomUUID(), forMs);
  }

  private renewWhileHeld(key: string, token: string): () => void {
    const { leaseMs, onError } = this.options;
    let renewedAt = Date.now();
    const timer = setInterval(() => {
      this.backend.renew(key, token, leaseMs).then(
        (held) => {
          if (held) renewedAt = Date.now();
          else stop(new Error(`lease on ${key} was lost: another process may now hold it`));
        },
        (error: unknown) => {
          onError(error, { key, stage: 'renew' });
          // Past one lease without a renewal the key is surely gone; trying on would only repeat the error.
          if (Date.now() - renewedAt > leaseMs) stop(new Error(`lease on ${key} expired while the store was unreachable`));
        },
      );
    }, leaseMs / 3);
    timer.unref();
    const stop = (lost?: Error) => {
      clearInterval(timer);
      if (lost) onError(lost, { key, stage: 'lost' });
    };
    return () => stop();
  }
}
