import type Keyv from 'keyv';
import type { Logger } from 'pino';
import type { BlobStore } from '../store/blobStore.js';
import { PROCESS_LOCAL, type LeaseLock } from '../store/leaseLock.js';
import { readVersionedRecord } from '../store/readVersionedRecord.js';
import { ChannelThreads } from './channelThreads.js';
import { conversationRecordSchema, type ConversationRecord } from './conversationRecord.js';
import { migrateRecord, outlineOf, type RecordOutline } from './migrateRecord.js';
import { storedRecordSchema } from './olderRecords.js';

export type LoadedConversation =
  /** `migrated`: stored by an earlier build, and brought up to date here; the thread's line writes it back (loadConversation). */
  | { kind: 'found'; record: ConversationRecord; migrated?: true }
  | { kind: 'missing' }
  /** Stored but unreadable (corrupt, or written by an unknown version): never misread, never overwritten blindly. */
  | { kind: 'unreadable'; problem: string };

/** A record's outline (RecordOutline), read without migrating it or reading a blob. */
export type PeekedConversation = { kind: 'found'; outline: RecordOutline } | { kind: 'missing' } | { kind: 'unreadable'; problem: string };

/**
 * Conversation records, one per thread, keyed by the thread id. The one
 * reader of them: a record of any version it knows (olderRecords.ts) comes
 * back in the current shape; `blobs` is where a migration finds the image
 * lengths older records lack.
 */
export class ConversationStore {
  /** Which threads of each channel hold a record (the record's parentId), so a deleted channel's records can be found. */
  readonly byChannel: ChannelThreads;

  constructor(
    private readonly keyv: Keyv,
    private readonly blobs: BlobStore,
    lock: LeaseLock = PROCESS_LOCAL,
    /** Where a channel list that cannot be read, or a thread that could not be listed, is told. */
    logger?: Logger,
  ) {
    this.byChannel = new ChannelThreads(keyv, lock, logger);
  }

  async load(threadId: string): Promise<LoadedConversation> {
    const loaded = await readVersionedRecord(this.keyv, conversationKey(threadId), storedRecordSchema);
    if (loaded.kind !== 'found') return loaded;
    const record = await migrateRecord(loaded.value, this.blobs);
    return record === loaded.value ? { kind: 'found', record } : { kind: 'found', record, migrated: true };
  }

  /**
   * A record's outline, for readers that need neither its exchanges nor
   * its image lengths (the /imagine suggestions, a deleted thread's
   * forgetting): no migration, not a blob read, whatever its version.
   */
  async peek(threadId: string): Promise<PeekedConversation> {
    const loaded = await readVersionedRecord(this.keyv, conversationKey(threadId), storedRecordSchema);
    return loaded.kind === 'found' ? { kind: 'found', outline: outlineOf(loaded.value) } : loaded;
  }

  /**
   * Copies a thread's record, exactly as stored (it may not even parse),
   * under a key of its own before a fresh record replaces it: a record that
   * cannot be replayed is never lost, and an operator can look at it or
   * restore it. Through the adapter, below Keyv's own parsing, which a
   * damaged row would fail. Returns the key, or undefined when there was
   * nothing to keep. Throws when the store fails.
   */
  async setAside(threadId: string, now: Date): Promise<string | undefined> {
    const raw: unknown = await this.keyv.store.get(this.keyv._getKeyPrefix(conversationKey(threadId)));
    if (raw === undefined || raw === null) return undefined;
    const key = `conversation-set-aside:${threadId}:${now.toISOString()}`;
    await this.keyv.store.set(this.keyv._getKeyPrefix(key), raw);
    return key;
  }

  /**
   * Removes a thread's record (its thread is gone). The image blobs it points
   * at stay: blobs are keyed by sha256 and shared by every thread holding the
   * same image (a Branch's copy, a reply with the same picture), so one
   * thread's end must not break another's replay. Throws when the store fails.
   */
  async delete(threadId: string): Promise<void> {
    await this.keyv.delete(conversationKey(threadId));
  }

  /** Throws when the write fails: the caller must tell the user, not pretend it was saved. */
  async save(record: ConversationRecord): Promise<void> {
    await this.keyv.set(conversationKey(record.threadId), conversationRecordSchema.parse(record));
  }
}

function conversationKey(threadId: string): string {
  return `conversation:${threadId}`;
}
