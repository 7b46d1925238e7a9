import { createHash } from 'node:crypto';
import type Keyv from 'keyv';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createLogger } from '../logging/createLogger.js';
import { holdLease, PROCESS_LOCAL, type LeaseLock } from '../store/leaseLock.js';
import { readVersionedRecord } from '../store/readVersionedRecord.js';
import { KeyedSerialQueue } from '../lines/keyedSerialQueue.js';

/** Where a conversation's thread lives: its server and the channel it was opened in. */
export interface ThreadPlace {
  guildId: string;
  /** The thread's parent channel. */
  channelId: string;
}

/**
 * How many pieces each channel's list is split into. Adding a thread reads
 * and writes one piece, about 1/64 of the list (at 10k threads some 3.4 kB
 * instead of 220 kB), under that piece's own lease, so new conversations of
 * one busy channel seldom wait for each other across processes. A deleted
 * channel reads all of them, once. Changing it would hide the threads
 * listed under the old split: it is part of the stored format.
 */
const BUCKETS = 64;

/**
 * How long a deleted channel's mark counts: far longer than a turn posted
 * there before the deletion takes to reach its save (minutes at most).
 * Channel ids are never reused, so no channel that still exists ever finds
 * one. Redis drops an expired mark itself; on SQLite and PostgreSQL Keyv
 * drops it only when it is read, and a deleted channel's mark seldom is, so
 * each deleted channel leaves one row of two ids there (review 6 F3; a
 * sweep of expired keys would clear them).
 */
const DELETED_MARK_MS = 24 * 60 * 60 * 1000;

/** Read leniently: one entry that is not a thread id costs that entry, not the list. */
const threadListSchema = z.object({ version: z.literal(1), threadIds: z.array(z.unknown()) });

/**
 * What listing a thread came to. `not-listed`: the store failed (logged);
 * the record is saved without naming its channel. `channel-deleted`: the
 * channel was deleted meanwhile (markDeleted), and the thread is taken off
 * its list again: nothing of it may be saved.
 */
export type Listing = 'listed' | 'not-listed' | 'channel-deleted';

type ReadList = { kind: 'read'; threadIds: string[]; cleaned: boolean } | { kind: 'unreadable'; problem: string };

/**
 * The threads with a stored conversation in each channel, so the
 * conversations of a deleted channel can be found: Discord sends
 * CHANNEL_DELETE alone then, no THREAD_DELETE for each of its threads
 * (conversation/forgetChannel.ts). Keyed by the channel's server too: a
 * server's deletion only ever reads its own channels' lists, and each record
 * it names is checked to be that server's before it goes.
 *
 * A channel's list is split into BUCKETS pieces by a hash of the thread id.
 * Each piece is read, changed and written back under a lease of its own (in
 * this process, a line per piece), so two processes adding threads of one
 * channel at once both stay in it. The single list earlier builds kept per
 * channel is still read (and threads leave it), never added to.
 */
export class ChannelThreads {
  private readonly queue = new KeyedSerialQueue();

  constructor(
    private readonly keyv: Keyv,
    private readonly lock: LeaseLock = PROCESS_LOCAL,
    private readonly logger: Logger = createLogger('silent'),
  ) {}

  /**
   * Every thread listed for the channel, from all its pieces and the older
   * single list. A piece that cannot be read is logged and passed over (left
   * stored as it is). Throws when the store fails.
   */
  async list(place: ThreadPlace): Promise<string[]> {
    const keys = [olderListKey(place), ...Array.from({ length: BUCKETS }, (_, bucket) => bucketKey(place, bucket))];
    const lists = await Promise.all(keys.map(async (key) => {
      const read = await this.read(key);
      if (read.kind === 'read') return read.threadIds;
      this.logger.error({ key, problem: read.problem }, 'a channel\'s thread list cannot be read; the threads it names are not found');
      return [];
    }));
    return [...new Set(lists.flat())];
  }

  /** Lists a thread in its channel (nothing when it is already). Throws when the store fails, or the lease wait is aborted. */
  add(place: ThreadPlace, threadId: string): Promise<void> {
    return this.change(bucketKey(place, bucketOf(threadId)), { startOverUnreadable: true }, (threadIds) =>
      threadIds.includes(threadId) ? undefined : [...threadIds, threadId],
    );
  }

  /**
   * Lists a thread, or logs why it could not: `not-listed` then (unless the
   * channel is marked deleted), and the caller saves its record without
   * naming the channel, so the thread's next turn lists it again. A turn's
   * record is never lost for its listing.
   *
   * Once listed, looks for the channel's deletion mark, and finds it when the
   * channel was deleted before this save: its deletion marks the channel
   * before it reads the list (forgetChannel), and this reads the mark only
   * after the thread is listed, so (the store being one for every process)
   * either that read found the thread, and its forgetting waits in the
   * thread's line for this save and forgets it, or this read finds the mark.
   * Then the thread leaves the list again and the caller saves nothing:
   * otherwise a record of a deleted channel would stay that nothing ever
   * forgets. Throws when the mark cannot be read: whether the channel is
   * gone is not known, and the caller saves nothing, as when the store fails.
   */
  async tryAdd(place: ThreadPlace, threadId: string): Promise<Listing> {
    try {
      await this.add(place, threadId);
    } catch (error) {
      // Still read the mark: a record saved unlisted names no channel, so a deletion that found the list without it
      // could never forget it (review 6 F2). Marked, nothing was listed to take off again. A mark that cannot be read
      // either counts as none here: the record is then saved unlisted, as before, never lost for its listing.
      if (await this.isMarkedDeleted(place).catch(() => false)) return 'channel-deleted';
      this.logger.warn({ err: error, threadId, channelId: place.channelId }, 'could not list a thread under its channel; its record does not name the channel yet, and its next turn lists it again');
      return 'not-listed';
    }
    if (!(await this.isMarkedDeleted(place))) return 'listed';
    // Its name would find no record, which a later read passes over; but a deleted channel's list is read no more.
    await this.remove(place, [threadId]).catch((error: unknown) => {
      this.logger.warn({ err: error, threadId, channelId: place.channelId }, 'a thread of a deleted channel could not be taken off the channel\'s list');
    });
    return 'channel-deleted';
  }

  /**
   * Marks a channel deleted, for DELETED_MARK_MS, before its list is read:
   * a thread listed after that read finds the mark (tryAdd). Throws when the
   * store fails.
   */
  async markDeleted(place: ThreadPlace): Promise<void> {
    await this.keyv.set(deletedMarkKey(place), { version: 1, deletedAt: new Date().toISOString() }, DELETED_MARK_MS);
  }

  /** Whether the channel is marked deleted. Any value counts, even one that does not parse: it was only ever written as a mark. */
  private async isMarkedDeleted(place: ThreadPlace): Promise<boolean> {
    try {
      return (await this.keyv.get(deletedMarkKey(place))) !== undefined;
    } catch (error) {
      // Keyv parses the stored JSON itself: a damaged row is still a row.
      if (error instanceof SyntaxError) return true;
      throw error;
    }
  }

  /**
   * Takes threads off their channel's list: the pieces that hold them, each
   * once, and the older single list when it names any. A piece that cannot
   * be read is left as it is. Throws when the store fails (every piece was
   * tried first).
   */
  async remove(place: ThreadPlace, threadIds: readonly string[]): Promise<void> {
    if (threadIds.length === 0) return;
    const leaving = new Map<string, Set<string>>();
    for (const threadId of threadIds) {
      const key = bucketKey(place, bucketOf(threadId));
      leaving.set(key, (leaving.get(key) ?? new Set()).add(threadId));
    }
    // Read once without its lease: almost always missing, and then no lease is taken for it.
    const older = await this.read(olderListKey(place));
    if (older.kind === 'read' && older.threadIds.some((threadId) => threadIds.includes(threadId))) leaving.set(olderListKey(place), new Set(threadIds));
    const settled = await Promise.allSettled([...leaving].map(([key, gone]) =>
      this.change(key, { startOverUnreadable: false }, (listed) => (listed.some((threadId) => gone.has(threadId)) ? listed.filter((threadId) => !gone.has(threadId)) : undefined)),
    ));
    const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * `next` gives the new list, or undefined to leave it as it is. A list that
   * cannot be read is never overwritten blindly: it is set aside as stored
   * (`startOverUnreadable`, to add to) or left alone.
   */
  private change(key: string, options: { startOverUnreadable: boolean }, next: (threadIds: string[]) => string[] | undefined): Promise<void> {
    return this.queue.run(key, () =>
      holdLease(this.lock, key, async () => {
        const read = await this.read(key);
        if (read.kind === 'unreadable') {
          if (!options.startOverUnreadable) {
            this.logger.error({ key, problem: read.problem }, 'a channel\'s thread list cannot be read; left as it is');
            return;
          }
          const setAsideAs = await this.setAside(key);
          this.logger.error({ key, problem: read.problem, setAsideAs }, 'a channel\'s thread list cannot be read: set aside as it was stored, and started over');
        }
        const current = read.kind === 'read' ? read.threadIds : [];
        const threadIds = next(current) ?? (read.kind === 'read' && read.cleaned ? current : undefined);
        if (threadIds === undefined) return;
        if (threadIds.length === 0) await this.keyv.delete(key);
        else await this.keyv.set(key, { version: 1, threadIds });
      }),
    );
  }

  private async read(key: string): Promise<ReadList> {
    const loaded = await readVersionedRecord(this.keyv, key, threadListSchema);
    if (loaded.kind === 'missing') return { kind: 'read', threadIds: [], cleaned: false };
    if (loaded.kind === 'unreadable') return loaded;
    const threadIds = loaded.value.threadIds.filter((threadId): threadId is string => typeof threadId === 'string' && threadId.length > 0);
    const dropped = loaded.value.threadIds.length - threadIds.length;
    if (dropped > 0) this.logger.error({ key, dropped, kept: threadIds.length }, 'a channel\'s thread list holds entries that are not thread ids; the valid ones are kept');
    return { kind: 'read', threadIds, cleaned: dropped > 0 };
  }

  /** Copies the list exactly as stored (below Keyv's parsing, which a damaged row fails) under a key of its own. */
  private async setAside(key: string): Promise<string | undefined> {
    const raw: unknown = await this.keyv.store.get(this.keyv._getKeyPrefix(key));
    if (raw === undefined || raw === null) return undefined;
    const asideKey = `channel-threads-set-aside:${key.slice('channel-threads:'.length)}:${new Date().toISOString()}`;
    await this.keyv.store.set(this.keyv._getKeyPrefix(asideKey), raw);
    return asideKey;
  }
}

function bucketOf(threadId: string): number {
  return createHash('sha256').update(threadId).digest().readUInt32BE(0) % BUCKETS;
}

function bucketKey(place: ThreadPlace, bucket: number): string {
  return `channel-threads:${place.guildId}:${place.channelId}:${bucket}`;
}

/** A deleted channel's mark: by server too, as its list is. */
function deletedMarkKey(place: ThreadPlace): string {
  return `channel-deleted:${place.guildId}:${place.channelId}`;
}

/** The one list per channel that builds before the split kept. */
function olderListKey(place: ThreadPlace): string {
  return `channel-threads:${place.guildId}:${place.channelId}`;
}
