import type { Logger } from 'pino';
import type { StoredInteraction } from './conversationRecord.js';

/**
 * The interactions Google keeps for some exchanges that may be deleted there:
 * all but those a Branch copied, which the other thread may still continue
 * from (logged, and left to expire with Google's retention), and those an
 * earlier Delete already asked Google to delete. The Delete button and a
 * deleted thread both forget by this rule. The interactions themselves come
 * back (with when Google made each, for the retention), in their order.
 */
export function interactionsToForget(held: readonly StoredInteraction[], logger: Logger, threadId: string): StoredInteraction[] {
  const interactions = held.filter((interaction) => !interaction.forgotten);
  const shared = interactions.filter((interaction) => interaction.shared).map((interaction) => interaction.id);
  if (shared.length > 0) logger.info({ threadId, interactionIds: shared }, 'interactions shared with a branched thread are left at Google; they expire with its retention');
  return interactions.filter((interaction) => !interaction.shared);
}
