import type { ConversationRecord } from './conversationRecord.js';
import type { Logger } from 'pino';
import type { ConversationStore } from './conversationStore.js';
import { lostAnImage } from './lostImages.js';

export type ThreadConversation =
  | { kind: 'found'; record: ConversationRecord }
  | { kind: 'missing' }
  /** Stored but unreadable: the turn goes on without it (planTurn), and a fresh record replaces it once set aside. */
  | { kind: 'unreadable' }
  /** Stored for another server: never continued, sent to Gemini or shown. */
  | { kind: 'refused'; refusal: { kind: 'other-server' } };

/**
 * A thread's conversation as a turn may use it. Thread ids are unique across
 * Discord, so a record naming another server means an id from elsewhere
 * reached the turn (a forged form, a bug upstream): refused here as well,
 * behind the checks on each interaction, so no path can continue it.
 */
export async function loadConversation(
  deps: { conversations: ConversationStore; logger: Logger },
  threadId: string,
  guildId: string,
): Promise<ThreadConversation> {
  const loaded = await deps.conversations.load(threadId);
  switch (loaded.kind) {
    case 'unreadable':
      deps.logger.error({ threadId, problem: loaded.problem }, 'stored conversation is unreadable; the turn goes on without it');
      return { kind: 'unreadable' };
    case 'found':
      if (loaded.record.guildId === guildId) {
        // Not one the store lost an image of: a turn that goes on keeps that mark with its exchange, and a fresh
        // start sets aside the record as stored, so an image back in the store (BLOB_URL mended) is found again.
        if (loaded.migrated && !loaded.record.exchanges.some(lostAnImage)) await writeBack(deps, loaded.record);
        return { kind: 'found', record: loaded.record };
      }
      deps.logger.error({ threadId, guildId, recordGuildId: loaded.record.guildId }, 'a stored conversation belongs to another server; refused');
      return { kind: 'refused', refusal: { kind: 'other-server' } };
    case 'missing':
      return loaded;
  }
}

/**
 * An older record, migrated on reading, written back once so later reads
 * find it current. Called inside the thread's line (its lease held), so no
 * other turn writes this record meanwhile; a failed write only means the
 * next read migrates it again.
 */
async function writeBack(deps: { conversations: ConversationStore; logger: Logger }, record: ConversationRecord): Promise<void> {
  await deps.conversations.save(record).catch((error: unknown) => deps.logger.warn({ err: error, threadId: record.threadId }, 'could not write back a migrated conversation record'));
}
