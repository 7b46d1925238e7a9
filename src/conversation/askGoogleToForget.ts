import type { Logger } from 'pino';
import type { ThreadQueue } from '../lines/threadQueue.js';
import { owedIdOf } from './conversationRecord.js';
import type { ConversationStore } from './conversationStore.js';
import type { ForgetsInteractions } from './deleteTurn.js';

/**
 * Asks Google to delete the interactions a Delete named (deleteTurn), then
 * takes those it confirmed gone off the record's forgetAtGoogle (in the thread's line); the
 * others stay there for the next Delete or the thread's deletion. Never
 * rejects: a store failure leaves the ids to be asked again, harmlessly.
 */
export async function askGoogleToForget(
  deps: { threadQueue: ThreadQueue; conversations: ConversationStore; gemini: ForgetsInteractions; logger: Logger; shutdownSignal?: AbortSignal | undefined },
  threadId: string,
  interactionIds: readonly string[],
): Promise<void> {
  const notConfirmed = await deps.gemini.forget(interactionIds, { signal: deps.shutdownSignal });
  if (notConfirmed.length > 0) {
    deps.logger.warn({ threadId, interactionIds: notConfirmed }, 'Google did not confirm these interactions deleted: they stay owed in the thread\'s record, asked again on a later Delete or the thread\'s deletion, or they expire with Google\'s retention');
  }
  const confirmed = new Set(interactionIds.filter((id) => !notConfirmed.includes(id)));
  if (confirmed.size === 0) return;
  try {
    await deps.threadQueue.run(threadId, async () => {
      const loaded = await deps.conversations.load(threadId);
      // A thread deleted meanwhile took its ids with it (forgetThread).
      if (loaded.kind !== 'found' || !loaded.record.forgetAtGoogle) return;
      const { forgetAtGoogle: asked, ...record } = loaded.record;
      const left = asked.filter((entry) => !confirmed.has(owedIdOf(entry)));
      if (left.length === asked.length) return;
      await deps.conversations.save(left.length > 0 ? { ...record, forgetAtGoogle: left } : record);
    });
  } catch (error) {
    deps.logger.warn({ err: error, threadId }, 'could not note the interactions Google deleted; a later Delete asks it again');
  }
}
