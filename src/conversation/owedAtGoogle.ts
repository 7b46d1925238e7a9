import { interactionOf, owedIdOf, type ConversationRecord, type OwedInteraction } from './conversationRecord.js';

/** The paid tier keeps a stored interaction 55 days (the free tier one day). */
const LONGEST_RETENTION_MS = 55 * 24 * 60 * 60 * 1000;

/**
 * What a record still owes Google's deletion (its forgetAtGoogle), each with
 * when Google made it, leaving out those past Google's longest retention:
 * Google has dropped them itself, and one it keeps refusing (a 400, 401 or
 * 403, say once the key belongs to another project) is no longer asked for
 * on every later Delete. The longest retention is the paid tier's 55 days, or
 * GEMINI_INTERACTION_RETENTION_HOURS when an operator sets it longer: that
 * setting (24 hours by default) decides what the bot may continue from, where
 * erring short only costs a replay; a deletion given up too soon would leave
 * a member's deleted turn at Google, so it errs long. A plain id
 * (the list's first shape) is dated by its exchange's interaction while the
 * record still holds it, else by the record's updatedAt: no earlier than the
 * Delete that listed it, so it is never dropped before Google dropped it.
 */
export function owedAtGoogle(record: Pick<ConversationRecord, 'forgetAtGoogle' | 'exchanges' | 'updatedAt'>, retentionMs: number, now: number): OwedInteraction[] {
  const keptAtGoogleMs = Math.max(retentionMs, LONGEST_RETENTION_MS);
  const madeAt = new Map(record.exchanges.flatMap((exchange) => interactionOf(exchange) ?? []).map((interaction) => [interaction.id, interaction.createdAt]));
  const dated = (record.forgetAtGoogle ?? []).map((entry) => (typeof entry === 'string' ? { id: entry, createdAt: madeAt.get(entry) ?? record.updatedAt } : entry));
  const seen = new Set<string>();
  return dated.filter((entry) => {
    if (seen.has(owedIdOf(entry))) return false;
    seen.add(entry.id);
    return now - Date.parse(entry.createdAt) < keptAtGoogleMs;
  });
}
