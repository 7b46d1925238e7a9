import type { ThreadPlace } from './channelThreads.js';
import { forgetThreadRecord, LEFT_AT_GOOGLE, type ForgetThreadDependencies, type ForgetThreadResult } from './forgetThread.js';
import { eachAtMost } from '../lines/eachAtMost.js';
import { SHARED_LEFT_AT_GOOGLE } from './interactionsToForget.js';

/**
 * How many threads' records are forgotten at once: each waits in its own
 * thread's line (a turn running there finishes first), so one by one a busy
 * channel would wait on every turn in turn; all at once would read thousands
 * of records in one burst.
 */
const THREADS_AT_ONCE = 8;

/**
 * A deleted channel's conversations go with it. Discord deletes its threads
 * too but sends CHANNEL_DELETE alone, no THREAD_DELETE for each: the threads
 * are found on the channel's list (ChannelThreads, of this server only) and
 * each record forgotten as a deleted thread's is (forgetThreadRecord: in its
 * line, checked to be this server's and this channel's). `knownThreadIds`
 * adds the threads the caller knows were in the channel (discord.js's cache:
 * the active ones), so a record from before records named their channel goes
 * too. A thread that fails is logged and the others still go. Returns how
 * each thread ended.
 *
 * Records first, Google after: every thread's record is gone (what protects
 * members) before any interaction is asked to be deleted at Google, and then
 * all of them together, a few at a time (forget), so a channel of many
 * threads is not cut at shutdown halfway through its records while waiting
 * on Google's answers one by one. As for a deleted thread, an id Google does
 * not confirm is not kept: its record is gone, and it expires with Google's
 * retention; all of them are named in one warning. Unlike a deleted thread,
 * the interactions a Branch shared between this channel's threads are asked
 * for too, once no surviving record names them (sharedAllGone). The caller keeps the whole
 * as work a stopping process waits for; once shutdown begins, no thread's
 * forgetting starts (the store is about to close) and those left are named.
 *
 * The list is changed once, each piece under its lease: only the threads
 * whose record is gone (forgotten, or found missing) leave it. One that
 * failed, or whose record was kept, stays listed and is not orphaned; a
 * thread another process lists meanwhile stays too.
 */
export async function forgetChannel(
  deps: ForgetThreadDependencies,
  channel: ThreadPlace,
  knownThreadIds: readonly string[] = [],
): Promise<ForgetThreadResult['kind'][]> {
  try {
    // Before the list is read: a conversation saved after that read finds the mark once listed, and is not saved (ChannelThreads.tryAdd).
    await deps.conversations.byChannel.markDeleted(channel);
  } catch (error) {
    deps.logger.warn({ err: error, channelId: channel.channelId, guildId: channel.guildId }, 'a deleted channel could not be marked deleted; a conversation of it saved while its threads are forgotten may stay in the store');
  }
  const listed = await deps.conversations.byChannel.list(channel);
  const threadIds = [...new Set([...listed, ...knownThreadIds])];
  if (threadIds.length === 0) {
    deps.logger.debug({ channelId: channel.channelId }, 'a deleted channel had no stored conversation in its threads; nothing to forget');
    return [];
  }
  const { results, notStarted } = await eachAtMost(threadIds, THREADS_AT_ONCE, async (threadId) => {
    try {
      // Not off the list one by one: that rewrote a piece of the list per thread.
      return await forgetThreadRecord(deps, { threadId, guildId: channel.guildId, parentId: channel.channelId }, { keepListed: true });
    } catch (error) {
      deps.logger.error({ err: error, threadId, channelId: channel.channelId }, 'the conversation of a deleted channel\'s thread could not be forgotten; it stays on the channel\'s list');
      return undefined;
    }
  }, { signal: deps.shutdownSignal });
  if (notStarted.length > 0) {
    deps.logger.warn({ channelId: channel.channelId, guildId: channel.guildId, threadIds: notStarted }, 'shutdown began before the conversations of these threads of a deleted channel were forgotten: they stay in the store (and on the channel\'s list when they were on it)');
  }
  // Only names the list holds: a thread known from the cache alone has none to take off.
  const onList = new Set(listed);
  const gone = threadIds.filter((threadId, index) => onList.has(threadId) && (results[index]?.kind === 'forgotten' || results[index]?.kind === 'none'));
  try {
    await deps.conversations.byChannel.remove(channel, gone);
  } catch (error) {
    // The records are gone: names left on the list find none, which a later read passes over.
    deps.logger.warn({ err: error, channelId: channel.channelId }, 'a deleted channel\'s forgotten threads could not be taken off its list');
  }
  const ended = results.flatMap((result) => (result ? [result.kind] : []));
  deps.logger.info({ channelId: channel.channelId, guildId: channel.guildId, threads: threadIds.length, forgotten: ended.filter((kind) => kind === 'forgotten').length }, 'channel deleted: the conversations of its threads are forgotten');
  // forget never rejects; each outcome is logged there, what it left here with each id's thread.
  const threadOf = new Map(threadIds.flatMap((threadId, index) => {
    const result = results[index];
    return result?.kind === 'forgotten' ? result.interactionIds.map((id) => [id, threadId] as const) : [];
  }));
  const sharedGone = sharedAllGone(threadIds, results, notStarted);
  const sharedAskedFor = new Set(sharedGone.map(([id]) => id));
  const sharedLeft = [...new Set(results.flatMap((result) => (result?.kind === 'forgotten' ? result.sharedIds : [])))].filter((id) => !sharedAskedFor.has(id));
  if (sharedLeft.length > 0) deps.logger.info({ channelId: channel.channelId, guildId: channel.guildId, interactionIds: sharedLeft }, SHARED_LEFT_AT_GOOGLE);
  if (sharedGone.length > 0) {
    deps.logger.info({ channelId: channel.channelId, guildId: channel.guildId, interactionIds: sharedGone.map(([id]) => id) }, 'interactions a Branch shared between threads of the deleted channel are asked to be deleted at Google too: no thread is left to continue from them');
  }
  for (const [id, threadId] of sharedGone) {
    if (!threadOf.has(id)) threadOf.set(id, threadId);
  }
  if (threadOf.size > 0) {
    const left = await deps.gemini.forget([...threadOf.keys()], { signal: deps.shutdownSignal });
    if (left.length > 0) {
      deps.logger.warn({ channelId: channel.channelId, guildId: channel.guildId, threadIds: [...new Set(left.map((id) => threadOf.get(id)))], interactionIds: left }, LEFT_AT_GOOGLE);
    }
  }
  return ended;
}

/**
 * The interactions a Branch shares that no record surviving this deletion
 * names, each with one of its threads: a Branch opens in its first thread's
 * channel, so with the channel every thread that could continue from them is
 * gone, and the members' turns should go from Google too. Only records this
 * deletion forgot count as gone: an id must be named by two of them (the
 * first thread and its branch, both found here; one named by a single record
 * shares it with a thread elsewhere), and none is asked for when any thread of
 * the channel kept its record (another server's or channel's, unreadable),
 * failed, or was not reached before shutdown, since that record may name it.
 */
function sharedAllGone(
  threadIds: readonly string[],
  results: ReadonlyArray<ForgetThreadResult | undefined>,
  notStarted: readonly string[],
): Array<readonly [string, string]> {
  const everyRecordGone = notStarted.length === 0 && threadIds.every((_, index) => results[index]?.kind === 'forgotten' || results[index]?.kind === 'none');
  if (!everyRecordGone) return [];
  const sharers = new Map<string, string[]>();
  threadIds.forEach((threadId, index) => {
    const result = results[index];
    if (result?.kind !== 'forgotten') return;
    for (const id of new Set(result.sharedIds)) sharers.set(id, [...(sharers.get(id) ?? []), threadId]);
  });
  return [...sharers].flatMap(([id, threads]) => (threads.length >= 2 ? [[id, threads[0]!] as const] : []));
}
