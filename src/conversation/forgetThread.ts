import type { Logger } from 'pino';
import type { ConversationStore } from './conversationStore.js';
import type { ThreadQueue } from '../lines/threadQueue.js';
import type { ForgetsInteractions } from './deleteTurn.js';
import type { Config } from '../config/config.js';
import { interactionsToForget, SHARED_LEFT_AT_GOOGLE } from './interactionsToForget.js';
import { askableAtGoogle } from './owedAtGoogle.js';

/** A thread Discord says is gone (THREAD_DELETE): its id and the server it was in. */
export interface DeletedThread {
  threadId: string;
  guildId: string;
  /** The channel the thread was in, when the deletion says (a deleted channel's list does): a record naming another is kept. */
  parentId?: string | undefined;
}

export type ForgetThreadResult =
  /** The bot never stored a conversation for this thread (or another process forgot it first). */
  | { kind: 'none' }
  /** The record names another server, or cannot be read: left as it is, never removed on a guess. */
  | { kind: 'kept'; reason: 'other-server' | 'other-channel' | 'unreadable' }
  /**
   * `interactionIds`: what to ask Google to delete. `sharedIds`: those a Branch
   * shares (by the same retention rule), left out of it: a thread's deletion
   * leaves them; a channel's asks for them once every record sharing them is
   * gone with it (forgetChannel).
   */
  | { kind: 'forgotten'; interactionIds: string[]; sharedIds: string[] };

export interface ForgetThreadDependencies {
  threadQueue: ThreadQueue;
  conversations: ConversationStore;
  gemini: ForgetsInteractions;
  logger: Logger;
  /** How long Google keeps an interaction: one past it is not asked for (owedAtGoogle), as a Delete does not ask. */
  config: Pick<Config, 'interactionRetentionMs'>;
  /** The clock the retention is measured on (tests move it). */
  now?: (() => number) | undefined;
  /** Aborts when the process begins to stop: no new forgetting, and no new DELETE, starts against a closing store. */
  shutdownSignal?: AbortSignal | undefined;
}

/**
 * The one line naming what a deleted thread's or channel's forgetting left at
 * Google: its record is gone, so nothing will ask for these again, and an
 * operator reading it may still delete them by hand.
 */
export const LEFT_AT_GOOGLE = 'Google did not confirm these interactions of a deleted conversation deleted; its record is gone, so the bot will not ask again: they expire with Google\'s retention';

/**
 * A deleted thread's conversation goes with it: its record leaves the store
 * and the interactions Google stores for it (Interactions API) are deleted
 * there, best effort, each logged by forget. Interactions a Branch shares
 * with another thread stay (the same rule as Delete): the other thread may
 * still continue from them, and they expire with Google's retention. So do
 * those Google does not confirm deleted (after forget's retries): they are
 * named in one warning.
 */
export async function forgetThread(deps: ForgetThreadDependencies, thread: DeletedThread): Promise<ForgetThreadResult> {
  const removed = await forgetThreadRecord(deps, thread);
  if (removed.kind === 'forgotten' && removed.sharedIds.length > 0) deps.logger.info({ threadId: thread.threadId, interactionIds: removed.sharedIds }, SHARED_LEFT_AT_GOOGLE);
  // Outside the line: Google's bookkeeping need not hold up a thread nobody can post in; forget never rejects.
  if (removed.kind === 'forgotten' && removed.interactionIds.length > 0) {
    const left = await deps.gemini.forget(removed.interactionIds, { signal: deps.shutdownSignal });
    if (left.length > 0) deps.logger.warn({ threadId: thread.threadId, guildId: thread.guildId, interactionIds: left }, LEFT_AT_GOOGLE);
  }
  return removed;
}

/**
 * The part of forgetThread that protects members: the record leaves the
 * store (and its channel's list). Returns the interactions to delete at
 * Google, which it does not ask for: a deleted channel forgets all its
 * threads' records first and asks Google for them all together after
 * (forgetChannel), so no thread's record waits on another's DELETEs.
 */
export async function forgetThreadRecord(
  deps: Omit<ForgetThreadDependencies, 'gemini'>,
  thread: DeletedThread,
  /** `keepListed`: the caller takes the thread off its channel's list itself (a deleted channel, all its threads at once). */
  options: { keepListed?: boolean } = {},
): Promise<ForgetThreadResult> {
  // In the thread's line: a turn saving now finishes first, so its exchange (and interaction) is forgotten with the rest.
  const removed = await deps.threadQueue.run(thread.threadId, async (): Promise<ForgetThreadResult> => {
    // Peeked, not loaded: a record that is about to go need not be migrated (its every image read) nor written back.
    const loaded = await deps.conversations.peek(thread.threadId);
    if (loaded.kind === 'missing') return { kind: 'none' };
    if (loaded.kind === 'unreadable') {
      deps.logger.warn({ threadId: thread.threadId, problem: loaded.problem }, 'a deleted thread\'s stored conversation is unreadable; left in the store');
      return { kind: 'kept', reason: 'unreadable' };
    }
    if (loaded.outline.guildId !== thread.guildId) {
      // Thread ids are unique across Discord: a record naming another server means something is wrong; keep it.
      deps.logger.error({ threadId: thread.threadId, guildId: thread.guildId, recordGuildId: loaded.outline.guildId }, 'a deleted thread\'s stored conversation belongs to another server; kept');
      return { kind: 'kept', reason: 'other-server' };
    }
    const { parentId } = loaded.outline;
    if (thread.parentId !== undefined && parentId !== undefined && parentId !== thread.parentId) {
      deps.logger.error({ threadId: thread.threadId, parentId: thread.parentId, recordParentId: parentId }, 'a deleted thread names another channel than its stored conversation does; kept');
      return { kind: 'kept', reason: 'other-channel' };
    }
    await deps.conversations.delete(thread.threadId);
    // Off its channel's list; a failure leaves a name there that finds no record, which a channel deletion passes over.
    if (parentId !== undefined && !options.keepListed) {
      await deps.conversations.byChannel.remove({ guildId: thread.guildId, channelId: parentId }, [thread.threadId]).catch((error: unknown) => {
        deps.logger.warn({ err: error, threadId: thread.threadId, parentId }, 'a deleted thread could not be taken off its channel\'s list');
      });
    }
    // With those a Delete asked Google to delete and it did not confirm gone; by the rule a Delete asks by (none past the retention).
    const { toForget, shared } = interactionsToForget(loaded.outline.interactions);
    const clock = { retentionMs: deps.config.interactionRetentionMs, now: (deps.now ?? Date.now)() };
    const log = { logger: deps.logger, threadId: thread.threadId };
    const interactionIds = askableAtGoogle(loaded.outline, toForget, clock, log).map((entry) => entry.id);
    const sharedIds = shared.length === 0 ? [] : askableAtGoogle({ ...loaded.outline, forgetAtGoogle: [] }, shared, clock, log).map((entry) => entry.id);
    return { kind: 'forgotten', interactionIds, sharedIds };
  });
  if (removed.kind === 'none') deps.logger.debug({ threadId: thread.threadId }, 'a deleted thread had no stored conversation; nothing to forget');
  if (removed.kind !== 'forgotten') return removed;
  deps.logger.info({ threadId: thread.threadId, guildId: thread.guildId, interactions: removed.interactionIds.length }, 'thread deleted: its conversation is forgotten');
  return removed;
}
