import type { StoredInteraction } from './conversationRecord.js';

/**
 * The interactions Google keeps for some exchanges, sorted by what may be
 * deleted there: `toForget`, all but those a Branch copied and those an
 * earlier Delete already asked Google to delete; `shared`, those a Branch
 * copied, which the other thread may still continue from. The Delete
 * button, a deleted thread and a deleted channel all sort by this rule; what
 * becomes of the shared ones is each caller's to say (a deleted channel may
 * ask for them too). The interactions themselves come back (with when Google
 * made each, for the retention), in their order.
 */
export function interactionsToForget(held: readonly StoredInteraction[]): { toForget: StoredInteraction[]; shared: StoredInteraction[] } {
  const interactions = held.filter((interaction) => !interaction.forgotten);
  return { toForget: interactions.filter((interaction) => !interaction.shared), shared: interactions.filter((interaction) => interaction.shared) };
}

/** The line naming the shared interactions a Delete or a deleted thread leaves at Google. */
export const SHARED_LEFT_AT_GOOGLE = 'interactions shared with a branched thread are left at Google; they expire with its retention';
