import type { ThreadPlace } from './channelThreads.js';
import { forgetThread, type ForgetThreadDependencies, type ForgetThreadResult } from './forgetThread.js';

/**
 * A deleted channel's conversations go with it. Discord deletes its threads
 * too but sends CHANNEL_DELETE alone, no THREAD_DELETE for each: the threads
 * are found on the channel's list (ChannelThreads, of this server only) and
 * each forgotten as a deleted thread is (forgetThread: in its line, checked
 * to be this server's and this channel's, its interactions deleted at Google
 * but those a Branch shares). `knownThreadIds` adds the threads the caller
 * knows were in the channel (discord.js's cache: the active ones), so a
 * record from before records named their channel goes too. A thread that
 * fails is logged and the others still go. Returns how each thread ended.
 *
 * The list is changed once at the end, each piece under its lease: only the
 * threads whose record is gone (forgotten, or found missing) leave it. One
 * that failed, or whose record was kept, stays listed and is not orphaned;
 * a thread another process lists meanwhile stays too.
 */
export async function forgetChannel(
  deps: ForgetThreadDependencies,
  channel: ThreadPlace,
  knownThreadIds: readonly string[] = [],
): Promise<ForgetThreadResult['kind'][]> {
  const listed = await deps.conversations.byChannel.list(channel);
  const threadIds = [...new Set([...listed, ...knownThreadIds])];
  if (threadIds.length === 0) {
    deps.logger.debug({ channelId: channel.channelId }, 'a deleted channel had no stored conversation in its threads; nothing to forget');
    return [];
  }
  const ended: ForgetThreadResult['kind'][] = [];
  const gone: string[] = [];
  for (const threadId of threadIds) {
    try {
      // Not off the list one by one: that rewrote a piece of the list per thread.
      const { kind } = await forgetThread(deps, { threadId, guildId: channel.guildId, parentId: channel.channelId }, { keepListed: true });
      ended.push(kind);
      if (kind === 'forgotten' || kind === 'none') gone.push(threadId);
    } catch (error) {
      deps.logger.error({ err: error, threadId, channelId: channel.channelId }, 'the conversation of a deleted channel\'s thread could not be forgotten; it stays on the channel\'s list');
    }
  }
  try {
    await deps.conversations.byChannel.remove(channel, gone.filter((threadId) => listed.includes(threadId)));
  } catch (error) {
    // The records are gone: names left on the list find none, which a later read passes over.
    deps.logger.warn({ err: error, channelId: channel.channelId }, 'a deleted channel\'s forgotten threads could not be taken off its list');
  }
  deps.logger.info({ channelId: channel.channelId, guildId: channel.guildId, threads: threadIds.length, forgotten: ended.filter((kind) => kind === 'forgotten').length }, 'channel deleted: the conversations of its threads are forgotten');
  return ended;
}
