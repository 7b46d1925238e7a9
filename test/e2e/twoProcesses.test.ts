import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { startBot } from '../../src/startBot.js';
import { openStore } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageBudget } from '../../src/limits/usageBudget.js';
import { heldAnswer } from '../emulators/gemini/index.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { withoutRedis } from '../stores/withoutRedis.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import { imagine, isBotMessage, isProgressNote, mainText, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

/** Whether one of the processes logged that it left this message to the other (the loser of its claim). */
function leftToTheOther(logs: string[][], messageId: string): boolean {
  return logs.some((lines) => lines.some((line) => line.includes('message claimed by another process') && line.includes(`"messageId":"${messageId}"`)));
}

/**
 * Two bots on one Redis, both connected to the one Discord emulator, as in a
 * rolling deploy: neither is sharded (each identifies as shard [0, 1]), so
 * both receive every message. Each message is answered once, by whichever
 * process claims it first; which one that is varies from run to run, so the
 * turns of a thread and the requests against a server's limits are split
 * between the processes, and the thread lease and the usage holds kept in
 * Redis must keep them right. With SHARDS set, each server goes to one
 * process only (sharding.test.ts). Runs on both GEMINI_APIs (E2E_GEMINI_API):
 * on interactions each turn must also continue from the interaction the
 * other process stored last.
 */
const servers = useStoreServers('redis');

describe.skipIf(withoutRedis)('two bot processes on one Redis', () => {
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { DATABASE_URL: servers.redis.url, MAX_REQUESTS_PER_USER: '10' } }));

  it('answers each message of a thread once, one turn after the other, each seeing all earlier ones, and stores them all', async () => {
    const { message: starter } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, starter.id);
    const secondLogLines: string[] = [];
    const second = await startBot(harness.config, createLogger('debug', { write: (line: string) => void secondLogLines.push(line) }));
    try {
      // The first answer is held until both processes have taken in all four messages (each types as it takes one in,
      // before the thread's line): without the lease, the later turns would load the same history meanwhile.
      const firstEdit = heldAnswer({ kind: 'image', text: 'edit 0' });
      harness.gemini.enqueue(firstEdit.behaviour, ...Array.from({ length: 3 }, (_, index) => ({ kind: 'image' as const, text: `edit ${index + 1}` })));
      const { bob, alice, carol } = harness.discord.users;
      const asks = [bob, alice, carol, bob].map((user, index) =>
        harness.discord.sendMessage({ user, channelId: thread.id, content: `edit number ${index}`, replyTo: starter.id }),
      );
      const typing = () => harness.discord.requests.filter((request) => request.method === 'POST' && request.path === `/channels/${thread.id}/typing`);
      await vi.waitFor(() => expect(typing().length).toBeGreaterThanOrEqual(2 * asks.length), PATIENCE);
      await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(2), PATIENCE);
      firstEdit.release();

      const answersTo = (ask: { id: string }) =>
        harness.discord.messages(thread.id).filter((message) => isBotMessage(harness, message) && message.message_reference?.message_id === ask.id && !isProgressNote(message));
      await vi.waitFor(() => expect(asks.map((ask) => answersTo(ask).length)).toEqual([1, 1, 1, 1]), { timeout: 15_000, interval: 50 });
      // Gemini saw the history grow by one exchange per turn, in the order the messages were sent, whichever process answered.
      const calls = geminiCalls(harness);
      const turns = calls.slice(1);
      expect(turns.map((call) => call.seen.length)).toEqual([3, 5, 7, 9]);
      expect(turns.map((call) => call.asked.texts[0])).toEqual(['edit number 0', 'edit number 1', 'edit number 2', 'edit number 3']);
      turns.forEach((call, index) => expect(call.seen.at(-2)).toEqual(calls[index]!.answer));
      if (suiteGeminiApi() === 'interactions') expect(turns.map((call) => call.continuedFrom)).toEqual(calls.slice(0, 4).map((call) => call.interactionId));
      // Nothing answered twice: once the other process has given each message up, the answers are still one each.
      await vi.waitFor(() => expect(asks.map((ask) => leftToTheOther([harness.logLines, secondLogLines], ask.id))).toEqual([true, true, true, true]), PATIENCE);
      expect(asks.map((ask) => answersTo(ask).length)).toEqual([1, 1, 1, 1]);
      expect(geminiCalls(harness)).toHaveLength(5);
      const generations = (lines: string[]) => lines.filter((line) => line.includes('"outcome":')).length;
      expect(generations(harness.logLines) + generations(secondLogLines)).toBe(5);
    } finally {
      await second.stop(1_000);
    }
    const store = await openStore(servers.redis.url);
    const stored = await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load(thread.id);
    await store.close();
    expect(stored.kind === 'found' && stored.record.exchanges.length).toBe(5);
  });

  it('answers an empty mention with one hint, not one per process', async () => {
    const secondLogLines: string[] = [];
    const second = await startBot(harness.config, createLogger('debug', { write: (line: string) => void secondLogLines.push(line) }));
    try {
      const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, content: '', mentionBot: true });
      const hints = () => harness.discord.messages(ask.channel_id).filter((message) => isBotMessage(harness, message) && message.message_reference?.message_id === ask.id);
      await vi.waitFor(() => expect(hints()).toHaveLength(1), PATIENCE);
      await vi.waitFor(() => expect(leftToTheOther([harness.logLines, secondLogLines], ask.id)).toBe(true), PATIENCE);
      expect(hints().map(mainText)).toEqual([expect.stringMatching(/^Tell me what to draw/)]);
    } finally {
      await second.stop(1_000);
    }
  });
  it('in a rolling deploy, a message that reaches the stopping process too is answered by the new one alone, without a "restarting" notice', async () => {
    // Gemini answers the old process's turn only once the new one has answered: the old one is stopping throughout.
    const slow = heldAnswer({ kind: 'image', text: 'the slow one' });
    harness.gemini.enqueue(slow.behaviour);
    const busy = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'a slow fox', mentionBot: true });
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(1), PATIENCE);
    const next = await startBot(harness.config, createLogger('silent'));
    try {
      // The old process stops taking work but stays connected while its turn finishes (a grace longer than any wait here).
      const stopping = harness.bot.stop(60_000);
      const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'a quick cat', mentionBot: true });
      const repliesTo = (message: { id: string; channel_id: string }) =>
        harness.discord.messages(message.channel_id).filter((reply) => isBotMessage(harness, reply) && reply.message_reference?.message_id === message.id && !isProgressNote(reply));
      await vi.waitFor(() => expect(repliesTo(ask).map((reply) => reply.attachments.length)).toEqual([1]), { timeout: 10_000, interval: 50 });
      slow.release();
      await stopping;
      expect(repliesTo(busy).map(mainText)).toEqual(['the slow one']);
      expect(repliesTo(ask)).toHaveLength(1);
    } finally {
      harness.bot = next; // the harness stops whichever bot is current
    }
  });

  it('with no other process to take it, a message sent while the only one stops still gets the "restarting" notice', async () => {
    // Gemini answers the turn under way only once the notice is out: the bot is still stopping when the message comes.
    const slow = heldAnswer({ kind: 'image' });
    harness.gemini.enqueue(slow.behaviour);
    harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'a slow fox', mentionBot: true });
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(1), PATIENCE);
    const stopping = harness.bot.stop(60_000);
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'a quick cat', mentionBot: true });
    expect(mainText(await waitForBotReplyTo(harness, ask))).toMatch(/^The bot is restarting/);
    slow.release();
    await stopping;
    await harness.restart(); // the harness closes a running bot
  });

  it('refuses a member over MAX_REQUESTS_PER_USER once, not once per process', async () => {
    harness.config.maxRequestsPerUser = 1;
    await harness.restart();
    const { message: starter } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, starter.id);
    const secondLogLines: string[] = [];
    const second = await startBot(harness.config, createLogger('debug', { write: (line: string) => void secondLogLines.push(line) }));
    try {
      // Gemini holds the first answer until both processes have taken in all three messages (each types for each), so
      // every later one arrives while bob's one request is in progress, in both processes.
      const firstEdit = heldAnswer();
      harness.gemini.enqueue(firstEdit.behaviour);
      const asks = ['make it blue', 'add a moon', 'add a hat'].map((content) =>
        harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content, replyTo: starter.id }),
      );
      const typing = () => harness.discord.requests.filter((request) => request.method === 'POST' && request.path === `/channels/${thread.id}/typing`);
      await vi.waitFor(() => expect(typing().length).toBeGreaterThanOrEqual(2 * asks.length), PATIENCE);
      firstEdit.release();
      const repliesTo = (ask: { id: string }) =>
        harness.discord.messages(thread.id).filter((reply) => isBotMessage(harness, reply) && reply.message_reference?.message_id === ask.id && !isProgressNote(reply));
      await vi.waitFor(() => expect(asks.map((ask) => repliesTo(ask).length)).toEqual([1, 1, 1]), { timeout: 15_000, interval: 50 });
      await vi.waitFor(() => expect(asks.map((ask) => leftToTheOther([harness.logLines, secondLogLines], ask.id))).toEqual([true, true, true]), PATIENCE);
      expect(asks.map((ask) => repliesTo(ask).length)).toEqual([1, 1, 1]);
    } finally {
      await second.stop(1_000);
    }
  });
});

describe.skipIf(withoutRedis)('two bot processes on one Redis, at a server\'s limits', () => {
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { DATABASE_URL: servers.redis.url, MAX_REQUESTS_PER_USER: '10' } }));

  /** Three threads started by alice, before the second process exists. */
  async function threeThreads() {
    const threads = [];
    for (const prompt of ['a fox', 'a boat', 'a tree']) {
      const { message: starter } = await imagine(harness, { prompt });
      threads.push({ starter, thread: await waitForThread(harness, starter.id) });
    }
    return threads;
  }

  /**
   * Bob replies in every thread at once while both processes run: each reply
   * is seen by both and answered by the one that claims it, so three turns
   * race for the server's limits in two processes that share nothing but
   * Redis. Returns the answer to each reply.
   */
  async function bobRepliesEverywhereWithTwoProcesses(threads: Awaited<ReturnType<typeof threeThreads>>, refusal: RegExp) {
    const second = await startBot(harness.config, createLogger('silent'));
    try {
      // Gemini holds the answers of the turns the limit admits until the third is refused: all three raced for the
      // limit while the others were unsettled, whichever process took each.
      const held = [heldAnswer({ kind: 'image' }), heldAnswer({ kind: 'image' })];
      harness.gemini.enqueue(...held.map((answer) => answer.behaviour));
      const sent = threads.map(({ starter, thread }) => harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
      const answersTo = (request: { id: string; channel_id: string }) =>
        harness.discord.messages(request.channel_id).filter((message) => isBotMessage(harness, message) && message.message_reference?.message_id === request.id && !isProgressNote(message));
      await vi.waitFor(() => expect(sent.flatMap(answersTo).filter((message) => refusal.test(mainText(message)))).toHaveLength(1), { timeout: 15_000, interval: 50 });
      held.forEach((answer) => answer.release());
      await vi.waitFor(() => expect(sent.map((request) => answersTo(request).length)).toEqual([1, 1, 1]), { timeout: 15_000, interval: 50 });
      return sent.flatMap(answersTo);
    } finally {
      await second.stop(1_000);
    }
  }

  it('gives a member exactly their daily images, however the turns split between the processes', async () => {
    const threads = await threeThreads();
    await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'daily_images', type: 4, value: 2 }]);
    const answers = await bobRepliesEverywhereWithTwoProcesses(threads, /^You have used your 2 images for today on this server\./);
    expect(answers.filter((message) => message.attachments.length === 1)).toHaveLength(2);
    expect(answers.filter((message) => /^You have used your 2 images for today on this server\./.test(mainText(message)))).toHaveLength(1);
    expect(geminiCalls(harness)).toHaveLength(3 + 2);
  });

  it('keeps the server within its monthly budget, however the turns split between the processes', async () => {
    const threads = await threeThreads();
    // Room for exactly two more: each turn holds its worst case, $0.234 for a 1K image, until it is settled.
    const store = await openStore(servers.redis.url);
    const ledger = new UsageBudget(store.keyv, new PriceTable());
    // Usage is recorded once each answer's post settles: wait until all of it is (generations recorded, holds settled).
    const recorded = (generations: number) =>
      vi.waitFor(async () => {
        const month = (await ledger.guildSummary(harness.discord.guildId)).month;
        expect(month.generations).toBe(generations);
        return month;
      }, PATIENCE);
    const spentBefore = (await recorded(3)).costUsd;
    expect(spentBefore).toBeGreaterThan(0);
    const budget = spentBefore + 0.5;
    await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'monthly_budget_usd', type: 10, value: budget }]);

    const answers = await bobRepliesEverywhereWithTwoProcesses(threads, /monthly image budget/);
    expect(answers.filter((message) => message.attachments.length === 1)).toHaveLength(2);
    expect(answers.filter((message) => /monthly image budget/.test(mainText(message)))).toHaveLength(1);
    expect(geminiCalls(harness)).toHaveLength(3 + 2);
    const spentAfter = (await recorded(3 + 2)).costUsd;
    await store.close();
    expect(spentAfter).toBeGreaterThan(spentBefore);
    expect(spentAfter).toBeLessThanOrEqual(budget);
  });
});
