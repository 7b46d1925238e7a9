import type Keyv from 'keyv';
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
    let value: unknown;
    try {
      value = await this.keyv.get(conversationKey(threadId));
    } catch (error) {
      // Keyv parses the stored JSON itself: a damaged row surfaces as a SyntaxError. Other errors are the database's.
      if (error instanceof SyntaxError) return { kind: 'unreadable', problem: `stored JSON is damaged: ${error.message}` };
      throw error;
    }
    if (value === undefined) return { kind: 'missing' };
    const parsed = conversationRecordSchema.safeParse(value);
    if (!parsed.success) {
      const version = typeof value === 'object' && value !== null ? (value as { version?: unknown }).version : undefined;
      const problem = version !== 1 ? `unknown record version ${String(version)}` : parsed.error.message;
      return { kind: 'unreadable', problem };
    }
    return { kind: 'found', record: parsed.data };
  }

  /** Throws when the write fails: the caller must tell the user, not pretend it was saved. */
  async save(record: ConversationRecord): Promise<void> {
    await this.keyv.set(conversationKey(record.threadId), conversationRecordSchema.parse(record));
  }
}

function conversationKey(threadId: string): string {
  return `conversation:${threadId}`;
}
