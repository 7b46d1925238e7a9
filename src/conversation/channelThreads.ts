import type Keyv from 'keyv';
import { z } from 'zod';
import { holdLease, PROCESS_LOCAL, type LeaseLock } from '../store/leaseLock.js';
import { readVersionedRecord } from '../store/readVersionedRecord.js';
import { KeyedSerialQueue } from './keyedSerialQueue.js';

/** Where a conversation's thread lives: its server and the channel it was opened in. */
export interface ThreadPlace {
  guildId: string;
  /** The thread's parent channel. */
  channelId: string;
}

const channelThreadsSchema = z.object({ version: z.literal(1), threadIds: z.array(z.string().min(1)) });

/**
 * The threads with a stored conversation in each channel, so the
 * conversations of a deleted channel can be found: Discord sends
 * CHANNEL_DELETE alone then, no THREAD_DELETE for each of its threads
 * (conversation/forgetChannel.ts). One list per channel, keyed by its server
 * too: a server's deletion only ever reads its own channels' lists, and each
 * record it names is checked to be that server's before it goes.
 *
 * A list is read, changed and written back under a lease of its own (in this
 * process, a line per channel), so two processes adding threads of one
 * channel at once both stay in it.
 */
export class ChannelThreads {
  private readonly queue = new KeyedSerialQueue();

  constructor(
    private readonly keyv: Keyv,
    private readonly lock: LeaseLock = PROCESS_LOCAL,
  ) {}

  /** The threads listed for the channel; none for a list that is missing or unreadable. Throws when the store fails. */
  async list(place: ThreadPlace): Promise<string[]> {
    const loaded = await readVersionedRecord(this.keyv, keyOf(place), channelThreadsSchema);
    return loaded.kind === 'found' ? loaded.value.threadIds : [];
  }

  /** Lists a thread in its channel (nothing when it is already). Throws when the store fails. */
  add(place: ThreadPlace, threadId: string): Promise<void> {
    return this.change(place, (threadIds) => (threadIds.includes(threadId) ? undefined : [...threadIds, threadId]));
  }

  /** Takes a thread off its channel's list (a thread deleted by itself). Throws when the store fails. */
  remove(place: ThreadPlace, threadId: string): Promise<void> {
    return this.change(place, (threadIds) => (threadIds.includes(threadId) ? threadIds.filter((id) => id !== threadId) : undefined));
  }

  /** Removes the channel's list (the channel is gone). Throws when the store fails. */
  async drop(place: ThreadPlace): Promise<void> {
    await this.keyv.delete(keyOf(place));
  }

  /** `next` gives the new list, or undefined to leave it as it is. */
  private change(place: ThreadPlace, next: (threadIds: string[]) => string[] | undefined): Promise<void> {
    const key = keyOf(place);
    return this.queue.run(key, () =>
      holdLease(this.lock, key, async () => {
        // A list nobody can read finds nothing: starting it over loses nothing usable.
        const threadIds = next(await this.list(place));
        if (threadIds === undefined) return;
        if (threadIds.length === 0) await this.keyv.delete(key);
        else await this.keyv.set(key, { version: 1, threadIds });
      }),
    );
  }
}

function keyOf(place: ThreadPlace): string {
  return `channel-threads:${place.guildId}:${place.channelId}`;
}
