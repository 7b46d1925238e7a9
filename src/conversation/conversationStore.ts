import type Keyv from 'keyv';
import { PROCESS_LOCAL, type LeaseLock } from '../store/leaseLock.js';
import { readVersionedRecord } from '../store/readVersionedRecord.js';
import { ChannelThreads } from './channelThreads.js';
import { conversationRecordSchema, recordVersionOf, type ConversationRecord } from './conversationRecord.js';

export type LoadedConversation =
  | { kind: 'found'; record: ConversationRecord }
  | { kind: 'missing' }
  /** Stored but unreadable (corrupt, or written by an unknown version): never misread, never overwritten blindly. */
  | { kind: 'unreadable'; problem: string };

/** Conversation records, one per thread, keyed by the thread id. */
export class ConversationStore {
  /** Which threads of each channel hold a record (the record's parentId), so a deleted channel's records can be found. */
  readonly byChannel: ChannelThreads;

  constructor(
    private readonly keyv: Keyv,
    lock: LeaseLock = PROCESS_LOCAL,
  ) {
    this.byChannel = new ChannelThreads(keyv, lock);
  }

  async load(threadId: string): Promise<LoadedConversation> {
    const loaded = await readVersionedRecord(this.keyv, conversationKey(threadId), conversationRecordSchema);
    return loaded.kind === 'found' ? { kind: 'found', record: loaded.value } : loaded;
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

  /** Throws when the write fails: the caller must tell the user, not pretend it was saved. Sets the record's version (recordVersionOf). */
  async save(record: ConversationRecord): Promise<void> {
    const versioned = { ...record, version: recordVersionOf(record.exchanges) };
    await this.keyv.set(conversationKey(record.threadId), conversationRecordSchema.parse(versioned));
  }
}

function conversationKey(threadId: string): string {
  return `conversation:${threadId}`;
}
