import { holdLease, PROCESS_LOCAL, type LeaseLock } from '../store/leaseLock.js';
import { KeyedSerialQueue } from './keyedSerialQueue.js';

/**
 * The line of turns for each thread, in this process and across processes.
 * The in-process queue keeps arrival order here; the shared lease, taken
 * inside the queued task and held until the exchange is stored, keeps a
 * turn in another process from loading the history while this one writes
 * it. Between processes the order is whoever takes the lease first.
 */
export class ThreadQueue {
  private readonly queue = new KeyedSerialQueue();

  constructor(private readonly lock: LeaseLock = PROCESS_LOCAL) {}

  run<T>(threadId: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(threadId, () => holdLease(this.lock, `thread:${threadId}`, task));
  }
}
