import type { Logger } from 'pino';
import { owedIdOf, type ConversationRecord, type OwedInteraction, type StoredInteraction } from './conversationRecord.js';

/** The paid tier keeps a stored interaction 55 days (the free tier one day). */
const LONGEST_RETENTION_MS = 55 * 24 * 60 * 60 * 1000;

/**
 * What dates a record's owed ids: the interactions it still holds (each
 * exchange's, as a record's outline lists them) and when it last changed.
 * A full record and a peeked outline (a deleted thread's) both give it.
 */
export interface OwingRecord {
  forgetAtGoogle?: ConversationRecord['forgetAtGoogle'];
  interactions: readonly StoredInteraction[];
  updatedAt: string;
}

/** How the retention is measured: the operator's declared retention, and now. */
export interface RetentionClock {
  retentionMs: number;
  now: number;
}

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
export function owedAtGoogle(record: OwingRecord, retentionMs: number, now: number): OwedInteraction[] {
  const keptAtGoogleMs = Math.max(retentionMs, LONGEST_RETENTION_MS);
  const madeAt = new Map(record.interactions.map((interaction) => [interaction.id, interaction.createdAt]));
  const dated = (record.forgetAtGoogle ?? []).map((entry) => (typeof entry === 'string' ? { id: entry, createdAt: madeAt.get(entry) ?? record.updatedAt } : entry));
  const seen = new Set<string>();
  return dated.filter((entry) => {
    if (seen.has(owedIdOf(entry))) return false;
    seen.add(entry.id);
    return now - Date.parse(entry.createdAt) < keptAtGoogleMs;
  });
}

/**
 * What a Delete (deleteTurn) or a thread's deletion (forgetThread) asks
 * Google to delete: what the record still owes, then the interactions
 * forgotten now (interactionsToForget), each once, all by owedAtGoogle's
 * rule, so one past Google's longest retention is asked for by neither.
 * Those left out are logged: an operator reading why an id was not asked for.
 */
export function askableAtGoogle(record: OwingRecord, forgetting: readonly StoredInteraction[], clock: RetentionClock, log: { logger: Logger; threadId: string }): OwedInteraction[] {
  const candidates = [...(record.forgetAtGoogle ?? []), ...forgetting.map(({ id, createdAt }) => ({ id, createdAt }))];
  const owed = owedAtGoogle({ ...record, forgetAtGoogle: candidates }, clock.retentionMs, clock.now);
  const asked = new Set(owed.map((entry) => entry.id));
  const pastRetention = [...new Set(candidates.map(owedIdOf))].filter((id) => !asked.has(id));
  if (pastRetention.length > 0) log.logger.info({ threadId: log.threadId, interactionIds: pastRetention }, 'interactions past Google\'s retention are not asked to be deleted: Google has dropped them');
  return owed;
}
