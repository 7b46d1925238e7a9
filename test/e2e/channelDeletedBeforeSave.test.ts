import { PermissionFlagsBits } from 'discord.js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import type { ReleaseLease } from '../../src/store/leaseLock.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { geminiCalls } from './geminiCalls.js';
import { suiteGeminiApi } from './harness.js';
import { holdTheAnswersPost, imagine, PATIENCE, waitForThread } from './helpers.js';
import { interactionDeletes, storedConversation } from './storedRecords.js';
import { useHarness } from './useHarness.js';

/**
 * A channel deleted while a new conversation's answer, posted there just
 * before, is still being saved (review F6). The save is held where it waits
 * for another process in a real deployment: on PostgreSQL the bot lists a new
 * thread under its channel under a lease of the list's piece, which the test
 * holds (as a process listing another thread there would) until the
 * deletion's forgetting has read the channel's list and found nothing. Then
 * the save goes on: it must leave no record of the deleted channel behind,
 * nor its interaction at Google. Runs on both GEMINI_APIs (E2E_GEMINI_API).
 */
const servers = useStoreServers('postgres');
// Registered before useHarness, so each test's server is empty before its bot starts.
beforeEach(() => servers.postgres.reset());
const harness = useHarness(() => ({ env: { DATABASE_URL: servers.postgres.url } }));

/** How many pieces a channel's list is split into (ChannelThreads): the new thread's piece is not known before its post. */
const LIST_PIECES = 64;

/** Holds every piece of a channel's thread list, as another process adding a thread there holds one; the release gives them back. */
async function holdChannelList(channelId: string): Promise<() => Promise<void>> {
  const store = await openStore(servers.postgres.url);
  const releases: ReleaseLease[] = await Promise.all(
    Array.from({ length: LIST_PIECES }, (_, piece) => store.lock!.acquire(`channel-threads:${harness.discord.guildId}:${channelId}:${piece}`)),
  );
  return async () => {
    await Promise.all(releases.map((release) => release()));
    await store.close();
  };
}

/** The threads the bot's store lists under a channel now. */
async function listedThreads(channelId: string): Promise<string[]> {
  const store = await openStore(servers.postgres.url);
  try {
    return await new ConversationStore(store.keyv, new BlobStore(store.keyv)).byChannel.list({ guildId: harness.discord.guildId, channelId });
  } finally {
    await store.close();
  }
}

/** Resolves once the bot logged a line holding every one of these strings. */
function logged(...parts: string[]) {
  return vi.waitFor(() => expect(harness.logLines.some((line) => parts.every((part) => line.includes(part)))).toBe(true), PATIENCE);
}

/** Alice, given Manage Channels (Discord lets nobody else), deletes the channel in her client: Discord sends CHANNEL_DELETE alone. */
function aliceDeletesChannel(channelId: string) {
  harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageChannels);
  harness.discord.deleteChannel({ user: harness.discord.users.alice, channelId });
}

const NOTHING_TO_FORGET = 'a deleted channel had no stored conversation in its threads; nothing to forget';
const NOT_KEPT = 'the channel of a conversation was deleted before its turn was saved; the turn is not kept';
const NO_THREAD = 'could not open a thread for a new conversation';

/** Resolves once the turn of this new conversation ended: not kept (the fix), or saved and then unable to open its thread in the gone channel. */
function turnEnded(messageId: string) {
  return vi.waitFor(() => expect(harness.logLines.some((line) => (line.includes(NOT_KEPT) || line.includes(NO_THREAD)) && line.includes(messageId))).toBe(true), PATIENCE);
}

/** Nothing of the conversation is left: no record, no name on the deleted channel's list, no interaction at Google. */
async function nothingLeftOf(messageId: string, channelId: string) {
  expect((await storedConversation(harness, messageId)).kind).toBe('missing');
  expect(await listedThreads(channelId)).toEqual([]);
  if (suiteGeminiApi() === 'interactions') {
    const [interactionId] = geminiCalls(harness).map((call) => call.interactionId);
    await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[interactionId, 200]]), PATIENCE);
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
  }
  expect(harness.logLines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
}

describe('a channel deleted while a new conversation posted there is being saved', () => {
  it('keeps nothing of it when the bot had the post\'s answer before the deletion, and saved after the deletion read the channel\'s list', async () => {
    const { channelId } = harness.discord;
    const release = await holdChannelList(channelId);
    let released = false;
    try {
      const { message } = await imagine(harness, { prompt: 'a fox' });
      // Logged once the post settled: the bot knows the answer's channel from its own cache, before the deletion.
      await logged('generation finished');
      aliceDeletesChannel(channelId);
      // The deletion read the channel's list while the new conversation could not be on it yet.
      await logged(NOTHING_TO_FORGET, `"channelId":"${channelId}"`);
      await release();
      released = true;
      await turnEnded(message.id);
      await nothingLeftOf(message.id, channelId);
    } finally {
      if (!released) await release();
    }
  });

  it('keeps nothing of it when the deletion reached the bot before Discord\'s answer to the post', async () => {
    const { channelId } = harness.discord;
    // The answer's edit of the deferred reply: Discord posts it, then its answer is late.
    const { held, answer } = holdTheAnswersPost(harness);
    const { message } = await imagine(harness, { prompt: 'a fox' });
    await held;
    // The one edit of the reply, the answer's own: it holds the image.
    expect(harness.discord.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith('/messages/@original'))).toHaveLength(1);
    expect(message.attachments).toHaveLength(1);
    aliceDeletesChannel(channelId);
    await logged(NOTHING_TO_FORGET, `"channelId":"${channelId}"`);
    // discord.js has dropped the channel: the answer's message no longer tells which channel it is in but by its id.
    expect(harness.bot.client.channels.cache.has(channelId)).toBe(false);
    answer();
    await turnEnded(message.id);
    await nothingLeftOf(message.id, channelId);
  });

  it('keeps a new conversation of another channel, saved while that channel is deleted, and lists it', async () => {
    const { channelId, otherChannelId } = harness.discord;
    const release = await holdChannelList(otherChannelId);
    let released = false;
    try {
      const { message } = await imagine(harness, { prompt: 'a lighthouse', channelId: otherChannelId });
      await logged('generation finished');
      aliceDeletesChannel(channelId);
      await logged(NOTHING_TO_FORGET, `"channelId":"${channelId}"`);
      await release();
      released = true;
      await waitForThread(harness, message.id);
      await vi.waitFor(async () => expect((await storedConversation(harness, message.id)).kind).toBe('found'), PATIENCE);
      expect(await listedThreads(otherChannelId)).toEqual([message.id]);
      expect(harness.logLines.some((line) => line.includes(NOT_KEPT))).toBe(false);
    } finally {
      if (!released) await release();
    }
  });
});
