import { PermissionFlagsBits, type TextChannel } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import type { StoredMessage } from '../emulators/discord/index.js';
import { heldAnswer } from '../emulators/gemini/index.js';
import { openStore } from '../../src/store/openStore.js';
import { geminiCalls, geminiRequestCount } from './geminiCalls.js';
import { suiteGeminiApi } from './harness.js';
import { imagine, isBotMessage, mainText, PATIENCE, replyInThread, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';
import { interactionDeletes, savedTurns, storedConversation } from './storedRecords.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): on interactions the thread's interactions are deleted at Google; on
// generate-content nothing is stored there, and no request reaches Gemini.
const harness = useHarness();

/** Alice, given Manage Threads (Discord lets nobody else), deletes the thread in her client. */
function aliceDeletes(threadId: string) {
  harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageThreads);
  harness.discord.deleteThread({ user: harness.discord.users.alice, threadId });
}

/** Resolves once the bot logged a line with this message about this thread. */
function loggedAbout(threadId: string, message: string) {
  return vi.waitFor(() => expect(harness.logLines.some((line) => line.includes(message) && line.includes(`"threadId":"${threadId}"`))).toBe(true), PATIENCE);
}

const THREAD_DELETED_UNDER_TURN = 'the thread was deleted while its answer was drawn';

const problemsLogged = () => harness.logLines.filter((line) => /"level":(40|50|60)/.test(line));

/** A fox conversation edited to blue, then branched by bob from the blue fox: the original thread and the branch. */
async function foxBranchedAfterBlue() {
  const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
  const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
  await savedTurns(harness, thread.id, 2);
  const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: blue, customId: 'nb1:result:branch' });
  const notice = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && /Branched into/.test(message.content));
  const branchId = /<#(\d+)>/.exec(notice.content)![1]!;
  const branchStart = await harness.discord.waitForMessage((message) => message.channel_id === branchId && isBotMessage(harness, message));
  return { thread, blue, branchId, branchStart };
}

describe('a conversation\'s thread deleted', () => {
  it('forgets the conversation: its record leaves the store, and its interactions are deleted at Google', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await savedTurns(harness, thread.id, 2);
    const requestsBefore = geminiRequestCount(harness);

    aliceDeletes(thread.id);
    await loggedAbout(thread.id, 'thread deleted: its conversation is forgotten');
    expect((await storedConversation(harness, thread.id)).kind).toBe('missing');
    if (suiteGeminiApi() === 'interactions') {
      const [first, second] = geminiCalls(harness).map((call) => call.interactionId);
      expect(first && second).toBeTruthy();
      await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[first, 200], [second, 200]].sort()), PATIENCE);
      expect(harness.gemini.interactions.storedIds()).toEqual([]);
    } else {
      expect(geminiRequestCount(harness)).toBe(requestsBefore);
    }
    expect(problemsLogged()).toEqual([]);
  });

  it('a Branch\'s thread deleted leaves the interactions it shares with the original thread at Google; the original goes on', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const hat = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    await savedTurns(harness, thread.id, 3);
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: blue, customId: 'nb1:result:branch' });
    await harness.discord.waitForInteractionResponse(interactionId);
    const notice = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && /Branched into/.test(message.content));
    const branchId = /<#(\d+)>/.exec(notice.content)![1]!;
    const branchStart = await harness.discord.waitForMessage((message) => message.channel_id === branchId && isBotMessage(harness, message));
    await waitForBotReplyTo(harness, replyInThread(harness, branchId, branchStart, 'make it green instead'));
    await savedTurns(harness, branchId, 3);
    const [first, second, third, inBranch] = geminiCalls(harness).map((call) => call.interactionId);
    const requestsBefore = geminiRequestCount(harness);

    aliceDeletes(branchId);
    await loggedAbout(branchId, 'thread deleted: its conversation is forgotten');
    expect((await storedConversation(harness, branchId)).kind).toBe('missing');
    if (suiteGeminiApi() === 'interactions') {
      // Only the branch's own turn goes; the two it copied from the original thread stay, with the original's third.
      await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[inBranch, 200]]), PATIENCE);
      expect(harness.gemini.interactions.storedIds().sort()).toEqual([first, second, third].sort());
    } else {
      expect(geminiRequestCount(harness)).toBe(requestsBefore);
    }

    const night = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, hat, 'now at night'));
    expect(night.attachments).toHaveLength(1);
    const last = geminiCalls(harness).at(-1)!;
    expect(last.status).toBe(200);
    expect(last.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user', 'model', 'user']);
    // On interactions the original still continues from its latest interaction at Google: nothing it needs was deleted.
    if (suiteGeminiApi() === 'interactions') expect(last.continuedFrom).toBe(third);
    await savedTurns(harness, thread.id, 4);
    expect(problemsLogged()).toEqual([]);
  });

  it('the original thread deleted after a Branch leaves the interactions the branch copied at Google; the branch goes on from them', async () => {
    const { thread, blue, branchId, branchStart } = await foxBranchedAfterBlue();
    await savedTurns(harness, branchId, 2);
    // A turn of the original's own after the branch: not shared, so it goes with the thread.
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    await savedTurns(harness, thread.id, 3);
    const [first, second, own] = geminiCalls(harness).map((call) => call.interactionId);

    aliceDeletes(thread.id);
    await loggedAbout(thread.id, 'thread deleted: its conversation is forgotten');
    expect((await storedConversation(harness, thread.id)).kind).toBe('missing');
    if (suiteGeminiApi() === 'interactions') {
      await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[own, 200]]), PATIENCE);
      expect(harness.gemini.interactions.storedIds().sort()).toEqual([first, second].sort());
    }

    const green = await waitForBotReplyTo(harness, replyInThread(harness, branchId, branchStart, 'make it green instead'));
    expect(green.attachments).toHaveLength(1);
    const last = geminiCalls(harness).at(-1)!;
    expect(last.status).toBe(200);
    // The branch still continues from the interaction it copied: nothing it needs was deleted.
    if (suiteGeminiApi() === 'interactions') expect(last.continuedFrom).toBe(second);
  });

  it('a thread archived before a restart (so not in discord.js\'s cache) is still forgotten when deleted', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await savedTurns(harness, thread.id, 2);
    harness.discord.archiveThread(thread.id);
    await harness.restart();
    expect(harness.bot.client.channels.cache.has(thread.id)).toBe(false);

    aliceDeletes(thread.id);
    await loggedAbout(thread.id, 'thread deleted: its conversation is forgotten');
    expect((await storedConversation(harness, thread.id)).kind).toBe('missing');
    if (suiteGeminiApi() === 'interactions') {
      const ids = geminiCalls(harness).map((call) => [call.interactionId, 200]).sort();
      await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual(ids), PATIENCE);
    }
  });
});

describe('a conversation\'s thread deleted while a turn in it waits on Gemini', () => {
  /**
   * A conversation of one saved turn whose next turn (started by `start`) Gemini holds until the thread is
   * deleted: the turn then has nowhere to post its answer, and the forgetting, waiting behind the turn in the
   * thread's line, reads a record that never held that answer.
   */
  async function threadDeletedUnderTurn(start: (conversation: { starter: StoredMessage; threadId: string }) => void) {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
    await savedTurns(harness, thread.id, 1);
    const held = heldAnswer({ kind: 'image', text: 'A blue fox.' });
    harness.gemini.enqueue(held.behaviour);
    start({ starter, threadId: thread.id });
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(2), PATIENCE);
    aliceDeletes(thread.id);
    // discord.js drops the thread once the bot has read THREAD_DELETE: its forgetting is then queued behind the turn.
    await vi.waitFor(() => expect(harness.bot.client.channels.cache.has(thread.id)).toBe(false), PATIENCE);
    held.release();
    await loggedAbout(thread.id, 'thread deleted: its conversation is forgotten');
    expect((await storedConversation(harness, thread.id)).kind).toBe('missing');
    return { starter, threadId: thread.id };
  }

  /** On interactions: both turns' interactions deleted at Google, each once; the held turn's by the turn itself. */
  async function nothingLeftAtGoogle() {
    if (suiteGeminiApi() !== 'interactions') {
      expect(geminiRequestCount(harness)).toBe(2);
      return;
    }
    const [first, unkept] = geminiCalls(harness).map((call) => call.interactionId);
    expect(first && unkept).toBeTruthy();
    await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[first, 200], [unkept, 200]].sort()), PATIENCE);
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
  }

  it('a reply\'s answer that could not be posted is deleted at Google too, and the bot goes on', async () => {
    const { threadId } = await threadDeletedUnderTurn(({ starter, threadId }) => replyInThread(harness, threadId, starter, 'make it blue'));
    await nothingLeftAtGoogle();
    // Members delete threads: an expected event, not an error for an operator to chase.
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes(THREAD_DELETED_UNDER_TURN) && line.includes(`"channelId":"${threadId}"`))).toBe(true), PATIENCE);
    expect(problemsLogged()).toEqual([]);
    const next = await startConversation(harness, { prompt: 'a paper boat' });
    await savedTurns(harness, next.thread.id, 1);
  });

  it('a Reroll\'s answer that could not be posted is deleted at Google too, and the clicker is told', async () => {
    let clicked = '';
    const { threadId } = await threadDeletedUnderTurn(({ starter }) => {
      clicked = harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:reroll' }).interactionId;
    });
    await nothingLeftAtGoogle();
    // The acknowledged click still gets its answer, in the clicker's private reply: the thread is gone.
    const told = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(clicked).originalMessageId && message.content.length > 0);
    expect(mainText(told)).toBe('The thread was deleted while I was drawing, so the answer could not be posted.');
    expect(harness.discord.messages(threadId)).toEqual([]);
    expect(harness.logLines.some((line) => line.includes(THREAD_DELETED_UNDER_TURN) && line.includes(`"interactionId":"${clicked}"`))).toBe(true);
    expect(problemsLogged()).toEqual([]);
  });
});

describe('a thread with no conversation deleted', () => {
  it('changes nothing: no request reaches Gemini, no other record goes, and no problem is logged', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
    await savedTurns(harness, thread.id, 1);
    // A thread the bot made for nothing it stored (as another bot or a member might have): it never held a conversation.
    const channel = harness.bot.client.channels.cache.get(harness.discord.channelId) as TextChannel;
    const other = await channel.threads.create({ name: 'just talking' });
    const requestsBefore = geminiRequestCount(harness);

    aliceDeletes(other.id);
    await loggedAbout(other.id, 'a deleted thread had no stored conversation');
    expect(geminiRequestCount(harness)).toBe(requestsBefore);
    expect((await storedConversation(harness, thread.id)).kind).toBe('found');
    expect(harness.logLines.some((line) => line.includes('thread deleted: its conversation is forgotten'))).toBe(false);
    expect(problemsLogged()).toEqual([]);
    // The conversation's own thread is untouched and goes on.
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(blue.attachments).toHaveLength(1);
  });
});

describe('a channel deleted with conversations in its threads', () => {
  /** Alice, given Manage Channels (Discord lets nobody else), deletes the channel in her client: Discord sends CHANNEL_DELETE, no THREAD_DELETE. */
  function aliceDeletesChannel(channelId: string) {
    harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ManageChannels);
    harness.discord.deleteChannel({ user: harness.discord.users.alice, channelId });
  }

  it('forgets every conversation whose thread was in it, a Branch\'s too, and leaves another channel\'s alone', async () => {
    const { thread, blue, branchId, branchStart } = await foxBranchedAfterBlue();
    await waitForBotReplyTo(harness, replyInThread(harness, branchId, branchStart, 'make it green instead'));
    await savedTurns(harness, branchId, 3);
    const second = await startConversation(harness, { prompt: 'a paper boat' });
    await savedTurns(harness, second.thread.id, 1);
    const elsewhere = await startConversation(harness, { prompt: 'a lighthouse', channelId: harness.discord.otherChannelId });
    await savedTurns(harness, elsewhere.thread.id, 1);
    const [first, shared, inBranch, boat, lighthouse] = geminiCalls(harness).map((call) => call.interactionId);
    const requestsBefore = geminiRequestCount(harness);

    aliceDeletesChannel(harness.discord.channelId);
    for (const threadId of [thread.id, branchId, second.thread.id]) await loggedAbout(threadId, 'thread deleted: its conversation is forgotten');
    for (const threadId of [thread.id, branchId, second.thread.id]) expect((await storedConversation(harness, threadId)).kind).toBe('missing');
    expect((await storedConversation(harness, elsewhere.thread.id)).kind).toBe('found');
    if (suiteGeminiApi() === 'interactions') {
      // The turns the Branch copied are shared by two threads both deleted with the channel: no thread is left to continue
      // from them, so they are deleted at Google too (a thread deletion alone leaves them, above).
      await vi.waitFor(() => expect(interactionDeletes(harness).map(([id]) => id).sort()).toEqual([first, shared, inBranch, boat].sort()), PATIENCE);
      expect(interactionDeletes(harness).every(([, status]) => status === 200)).toBe(true);
      expect(harness.gemini.interactions.storedIds()).toEqual([lighthouse]);
      // So no line says they are left there.
      expect(harness.logLines.some((line) => line.includes('are left at Google; they expire with its retention'))).toBe(false);
    } else {
      expect(geminiRequestCount(harness)).toBe(requestsBefore);
    }
    expect(problemsLogged()).toEqual([]);

    // The other channel's conversation goes on.
    const night = await waitForBotReplyTo(harness, replyInThread(harness, elsewhere.thread.id, elsewhere.starter, 'now at night'));
    expect(night.attachments).toHaveLength(1);
    await savedTurns(harness, elsewhere.thread.id, 2);
  });

  it('forgets a conversation stored before records named their channel, when its thread is active (discord.js holds it)', async () => {
    const { thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
    await savedTurns(harness, thread.id, 1);
    // As a build before the channel was kept left it: no parentId, on no channel's list.
    const store = await openStore(harness.config.databaseUrl);
    try {
      const key = `conversation:${thread.id}`;
      const { parentId, ...older } = (await store.keyv.get(key)) as { parentId?: string };
      expect(parentId).toBe(harness.discord.channelId);
      await store.keyv.set(key, older);
      await store.keyv.delete(`channel-threads:${harness.discord.guildId}:${harness.discord.channelId}`);
    } finally {
      await store.close();
    }
    const [interactionId] = geminiCalls(harness).map((call) => call.interactionId);

    aliceDeletesChannel(harness.discord.channelId);
    await loggedAbout(thread.id, 'thread deleted: its conversation is forgotten');
    expect((await storedConversation(harness, thread.id)).kind).toBe('missing');
    if (suiteGeminiApi() === 'interactions') await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[interactionId, 200]]), PATIENCE);
    expect(problemsLogged()).toEqual([]);
  });
});
