import type Keyv from 'keyv';
import { readVersionedRecord } from '../store/readVersionedRecord.js';
import { conversationRecordSchema, type ConversationRecord } from './conversationRecord.js';

export type LoadedConversation =
  | { kind: 'found'; record: ConversationRecord }
  | { kind: 'missing' }
  /** Stored but unreadable (corrupt, or written by an unknown version): never misread, never overwritten blindly. */
  | { kind: 'unreadable'; problem: string };

/** Conversation records, one per thread, keyed by the thread id. */
export class ConversationStore {
  constructor(private readonly keyv: Keyv) {}

  async load(threadId: string): Promise<LoadedConversation> {
    const loaded = await readVersionedRecord(this.keyv, conversationKey(threadId), conversationRecordSchema);
    return loaded.kind === 'found' ? { kind: 'found', record: loaded.value } : loaded;
  }

  /** Throws when the write fails: the caller must tell the user, not pretend it was saved. */
  async save(record: ConversationRecord): Promise<void> {
    await this.keyv.set(conversationKey(record.threadId), conversationRecordSchema.parse(record));
  }
}

function conversationKey(threadId: string): string {
  return `conversation:${threadId}`;
}
