import { MemberLimit } from './memberLimit.js';

export interface SlotLimits {
  /** Gemini calls running at once. */
  concurrency: number;
  /** Requests one member may have admitted (waiting or running) at once (MemberLimit). */
  perUser: number;
  /** Requests that may wait beyond the running ones before new ones are turned away. */
  queueLimit: number;
}

export type Admission = { ok: true; ticket: Ticket } | { ok: false; reason: 'user-limit' | 'queue-full' };

export interface Ticket {
  /**
   * Resolves true when this request may call Gemini, false if `signal`
   * aborted first. `onPosition` hears how many wait ahead, whenever that
   * number changes while waiting.
   */
  waitForSlot(onPosition?: (ahead: number) => void, signal?: AbortSignal): Promise<boolean>;
  /** Gives the Gemini slot back (the Discord upload that follows needs none). */
  releaseSlot(): void;
  /** Leaves the queue entirely; safe to call more than once. */
  release(): void;
}

interface Waiter {
  grant: () => void;
  /** Ends the wait with false (the ticket was released while waiting). */
  cancel: () => void;
  onPosition: ((ahead: number) => void) | undefined;
  lastAhead: number;
}

/**
 * The Gemini slots (GEMINI_CONCURRENCY calls at once, GEMINI_QUEUE_LIMIT
 * more waiting), handed out first come, first served, and each member's
 * in-flight limit (MemberLimit) checked at the door. Gemini's quota is per
 * project, so one server's burst must not starve the others, and a full
 * line says "full" instead of hanging.
 */
export class GeminiSlots {
  private running = 0;
  private admitted = 0;
  private readonly waiting: Waiter[] = [];
  private readonly members: MemberLimit;

  constructor(private readonly limits: SlotLimits) {
    this.members = new MemberLimit(limits.perUser);
  }

  admit(userId: string): Admission {
    if (this.members.reached(userId)) return { ok: false, reason: 'user-limit' };
    // Counted at admission, before a request reaches its slot: a burst is judged as a whole.
    if (this.admitted >= this.limits.concurrency + this.limits.queueLimit) return { ok: false, reason: 'queue-full' };
    this.members.add(userId);
    this.admitted += 1;
    return { ok: true, ticket: this.createTicket(userId) };
  }

  /** Requests waiting for a Gemini slot right now. */
  get depth(): number {
    return this.waiting.length;
  }

  get inFlight(): number {
    return this.running;
  }

  private createTicket(userId: string): Ticket {
    let holdsSlot = false;
    let released = false;
    let waiter: Waiter | undefined;
    const ticket: Ticket = {
      waitForSlot: (onPosition, signal) => {
        if (released || signal?.aborted) return Promise.resolve(false);
        if (this.running < this.limits.concurrency && this.waiting.length === 0) {
          this.running += 1;
          holdsSlot = true;
          return Promise.resolve(true);
        }
        return new Promise<boolean>((resolve) => {
          const onAbort = () => {
            this.removeWaiter(waiter);
            resolve(false);
          };
          waiter = {
            grant: () => {
              signal?.removeEventListener('abort', onAbort);
              holdsSlot = true;
              resolve(true);
            },
            cancel: () => {
              signal?.removeEventListener('abort', onAbort);
              resolve(false);
            },
            onPosition,
            lastAhead: this.waiting.length,
          };
          this.waiting.push(waiter);
          signal?.addEventListener('abort', onAbort, { once: true });
          onPosition?.(waiter.lastAhead);
        });
      },
      releaseSlot: () => {
        if (!holdsSlot) return;
        holdsSlot = false;
        this.running -= 1;
        this.grantNext();
      },
      release: () => {
        if (released) return;
        ticket.releaseSlot();
        if (waiter && this.waiting.includes(waiter)) {
          this.removeWaiter(waiter);
          waiter.cancel();
        }
        released = true;
        this.admitted -= 1;
        this.members.remove(userId);
      },
    };
    return ticket;
  }

  private grantNext(): void {
    while (this.running < this.limits.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running += 1;
      next.grant();
    }
    this.announcePositions();
  }

  private removeWaiter(waiter: Waiter | undefined): void {
    const index = waiter ? this.waiting.indexOf(waiter) : -1;
    if (index === -1) return;
    this.waiting.splice(index, 1);
    this.announcePositions();
  }

  private announcePositions(): void {
    this.waiting.forEach((waiter, ahead) => {
      if (waiter.lastAhead === ahead) return;
      waiter.lastAhead = ahead;
      waiter.onPosition?.(ahead);
    });
  }
}
