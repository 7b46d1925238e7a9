import type { ConversationRecord } from './conversationRecord.js';
import type { Logger } from 'pino';
import type { ConversationStore } from './conversationStore.js';

export type ThreadConversation =
  | { kind: 'found'; record: ConversationRecord }
  | { kind: 'missing' }
  /** Stored but unreadable: the turn goes on without it (planTurn), and a fresh record replaces it once set aside. */
  | { kind: 'unreadable' }
  /** Stored for another server: never continued, sent to Gemini or shown; `text` says so plainly. */
  | { kind: 'refused'; text: string };

/**
 * A thread's conversation as a turn may use it. Thread ids are unique across
 * Discord, so a record naming another server means an id from elsewhere
 * reached the turn (a forged form, a bug upstream): refused here as well,
 * behind the checks on each interaction, so no path can continue it.
 */
export async function loadConversation(deps: { conversations: ConversationStore; logger: Logger }, threadId: string, guildId: string): Promise<ThreadConversation> {
  const loaded = await deps.conversations.load(threadId);
  switch (loaded.kind) {
    case 'unreadable':
      deps.logger.error({ threadId, problem: loaded.problem }, 'stored conversation is unreadable; the turn goes on without it');
      return { kind: 'unreadable' };
    case 'found':
      if (loaded.record.guildId === guildId) return loaded;
      deps.logger.error({ threadId, guildId, recordGuildId: loaded.record.guildId }, 'a stored conversation belongs to another server; refused');
      return { kind: 'refused', text: 'This conversation belongs to another server, so I cannot continue it here.' };
    case 'missing':
      return loaded;
  }
}
