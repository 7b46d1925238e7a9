import type { Logger } from 'pino';
import type { Refusal } from '../refusals/refusal.js';
import type { BlobStore } from '../store/blobStore.js';
import type { Config } from '../config/config.js';
import { findExchangeByMessage, interactionOf, withInteraction } from './conversationRecord.js';
import { interactionsToForget, SHARED_LEFT_AT_GOOGLE } from './interactionsToForget.js';
import { askableAtGoogle } from './owedAtGoogle.js';
import type { ConversationStore } from './conversationStore.js';
import { loadConversation, type ThreadConversation } from './loadConversation.js';
import type { ThreadQueue } from '../lines/threadQueue.js';

/** A member's request to take one answer, and its turn, out of a conversation. */
export interface TurnDeletion {
  threadId: string;
  guildId: string;
  /** The answer's message: the turn it shows goes. */
  messageId: string;
  /** Who asks: the turn's own author may delete it. */
  userId: string;
  /** True for a member who may manage messages here: they may delete anyone's. */
  moderator: boolean;
  /** Whether the conversation, as read in the thread's line, is one this request may act on (the adapter's checks); the refusal otherwise. */
  checkConversation(stored: ThreadConversation): Promise<Refusal | undefined>;
  /** Removes the answer's message itself, once its turn is out of the record. */
  deleteMessage(): Promise<void>;
}

export type DeleteResult =
  /** The ids of the interactions Google stores (Interactions API) that hold the deleted turn, to delete there too (best effort). */
  | { ok: true; messageLeft: boolean; geminiInteractionIds: string[] }
  | { ok: false; refusal: Refusal };

/**
 * Deletes a turn: out of the stored conversation first, then its message, so
 * a later edit never builds on an image nobody can see. In the thread's line,
 * on one read of the record: a turn running now must not save a record that
 * still has this turn, and no other can slip in between the check and the save.
 */
export function deleteTurn(
  deps: {
    threadQueue: ThreadQueue;
    conversations: ConversationStore;
    blobs: BlobStore;
    logger: Logger;
    /** How long Google keeps an interaction: one still owed past it is not asked for again (owedAtGoogle). */
    config: Pick<Config, 'interactionRetentionMs'>;
    /** The clock the retention is measured on (tests move it). */
    now?: (() => number) | undefined;
  },
  deletion: TurnDeletion,
): Promise<DeleteResult> {
  const now = deps.now ?? Date.now;
  return deps.threadQueue.run(deletion.threadId, async () => {
    const stored = await loadConversation(deps, deletion.threadId, deletion.guildId);
    const refusal = await deletion.checkConversation(stored);
    if (refusal) return { ok: false, refusal };
    const found = stored.kind === 'found' ? findExchangeByMessage(stored.record, deletion.messageId) : undefined;
    if (stored.kind !== 'found' || !found) return { ok: false, refusal: { kind: 'not-a-conversation' } };
    if (found.exchange.user.authorId !== deletion.userId && !deletion.moderator) return { ok: false, refusal: { kind: 'not-yours-to-delete' } };
    // Google's stored interactions of this turn and of every later one hold it (Interactions API): the later ones are
    // never continued from again (the next turn replays the record, without it), and all of them may go at Google.
    // With those an earlier Delete asked Google to delete and it did not confirm: asked again now, unless past the
    // retention (Google dropped them itself).
    const held = stored.record.exchanges.flatMap((exchange) => interactionOf(exchange) ?? []);
    const later = stored.record.exchanges.slice(found.index).flatMap((exchange) => interactionOf(exchange) ?? []);
    const { toForget: forgetting, shared } = interactionsToForget(later);
    if (shared.length > 0) deps.logger.info({ threadId: deletion.threadId, interactionIds: shared.map((interaction) => interaction.id) }, SHARED_LEFT_AT_GOOGLE);
    // A set, not the list: asked once per later exchange, a list would make a long thread's Delete quadratic.
    const forgettingIds = new Set(forgetting.map((interaction) => interaction.id));
    const owed = askableAtGoogle({ ...stored.record, interactions: held }, forgetting, { retentionMs: deps.config.interactionRetentionMs, now: now() }, { logger: deps.logger, threadId: deletion.threadId });
    const exchanges = stored.record.exchanges.flatMap((exchange, index) => {
      if (index === found.index) return [];
      const interaction = interactionOf(exchange);
      if (index < found.index || !interaction) return [exchange];
      return [withInteraction(exchange, { outdated: true, ...(forgettingIds.has(interaction.id) ? { forgotten: true } : {}) })];
    });
    // Each marked forgotten and kept on forgetAtGoogle, dated, until Google confirms it gone (askGoogleToForget),
    // so a DELETE that fails, or that a stopping process cuts off, is asked again by the next Delete or the thread's
    // deletion, within the retention.
    const { forgetAtGoogle: _asked, lostImageTurnsTold: told, ...unchanged } = stored.record;
    // The members were told lost images leave out the thread's `told` oldest turns; one of those deleted, they are one
    // fewer, so an image lost later that leaves out one turn more is still told (planRequestContents).
    const stillTold = told !== undefined && found.index < told ? told - 1 : told;
    await deps.conversations.save({
      ...unchanged,
      exchanges,
      ...(owed.length > 0 ? { forgetAtGoogle: owed } : {}),
      ...(stillTold ? { lostImageTurnsTold: stillTold } : {}),
      updatedAt: new Date(now()).toISOString(),
    });
    const geminiInteractionIds = owed.map((entry) => entry.id);
    try {
      await deletion.deleteMessage();
    } catch (error) {
      // The turn is out of the conversation already: say so, rather than an error that reads as if nothing happened
      // (a second click would find no turn to delete; a moderator can still remove the message by hand).
      deps.logger.warn({ err: error, threadId: deletion.threadId, messageId: deletion.messageId }, 'turn deleted from the conversation, but its message could not be removed');
      return { ok: true, messageLeft: true, geminiInteractionIds };
    }
    return { ok: true, messageLeft: false, geminiInteractionIds };
  });
}

/**
 * What Delete, a deleted thread and a deleted channel ask of Gemini
 * (turn/geminiTransport.ts's forget, declared here so conversation/ needs
 * nothing from turn/): delete these interactions Google stores; best effort,
 * never rejects; returns the ids Google did not confirm gone. Once `signal`
 * (shutdown) aborts, no more are asked for.
 */
export interface ForgetsInteractions {
  forget(interactionIds: readonly string[], options?: { signal?: AbortSignal | undefined }): Promise<string[]>;
}
