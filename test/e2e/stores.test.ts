import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type KeyvSqlite from '@keyv/sqlite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { heldAnswer } from '../emulators/gemini/index.js';
import { openStore } from '../../src/store/openStore.js';
import { storeBackend } from '../../src/store/storeUrl.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { withoutRedis } from '../stores/withoutRedis.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { imagine, isBotMessage, isProgressNote, mainText, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

/**
 * The conversation, restart, ordering and budget guarantees, on every store
 * DATABASE_URL can name, against real Redis and PostgreSQL servers, and with
 * image blobs split off into their own store. Runs on both GEMINI_APIs
 * (E2E_GEMINI_API); on interactions the record is what a stateless replay
 * sends (the interaction expired at Google) and what holds the interaction a
 * turn continues from (after a restart).
 */
const servers = useStoreServers('redis', 'postgres');
let directory: string;

interface Setup {
  env(): Record<string, string>;
}

const setups: Record<string, Setup> = {
  sqlite: { env: () => ({}) },
  postgres: { env: () => ({ DATABASE_URL: servers.postgres.url }) },
  redis: { env: () => ({ DATABASE_URL: servers.redis.url }) },
  'postgres with blobs in sqlite': { env: () => ({ DATABASE_URL: servers.postgres.url, BLOB_URL: `sqlite://${directory}/blobs.sqlite` }) },
};

/** Every key in the store a URL names, without the namespace, read behind the bot's back. */
async function storedKeys(url: string): Promise<string[]> {
  switch (storeBackend(url)) {
    case 'postgres':
      return (await servers.postgres.query('SELECT key FROM keyv')).rows.map((row: { key: string }) => row.key.replace(/^bot:/, ''));
    case 'redis':
      return (await servers.redis.admin.keys('bot::*')).map((key) => key.replace(/^bot::/, ''));
    case 'sqlite': {
      const store = await openStore(url);
      const rows = (await (store.keyv.store as KeyvSqlite).query('SELECT key FROM keyv')) as Array<{ key: string }>;
      await store.close();
      return rows.map((row) => row.key.replace(/^bot:/, ''));
    }
    default:
      throw new Error(`not a store URL: ${url}`);
  }
}

for (const [name, setup] of Object.entries(setups)) {
  describe.skipIf(name === 'redis' && withoutRedis)(`on ${name}`, () => {
    // Registered before useHarness, so each test's servers are empty before its bot starts.
    beforeEach(async () => {
      directory = await mkdtemp(path.join(tmpdir(), 'bot-stores-'));
      await servers.reset();
    });
    afterEach(() => rm(directory, { recursive: true, force: true }));
    const harness = useHarness(() => ({ env: { MAX_REQUESTS_PER_USER: '10', ...setup.env() } }));

    async function startConversation(prompt: string) {
      const { message } = await imagine(harness, { prompt });
      return { starter: message, thread: await waitForThread(harness, message.id) };
    }

    function reply(threadId: string, to: { id: string }, content: string, user = harness.discord.users.bob) {
      return harness.discord.sendMessage({ user, channelId: threadId, content, replyTo: to.id });
    }

    it('replays a three-turn thread exactly, records and images each in the store they were given', async () => {
      harness.gemini.enqueue({ kind: 'image', text: 'A fox.', thoughtImages: 1 }, { kind: 'image', text: 'A blue fox.' }, { kind: 'image', text: 'With a hat.' });
      const { starter, thread } = await startConversation('a watercolor fox');
      const second = await waitForBotReplyTo(harness, reply(thread.id, starter, 'now make the fox blue'));
      const [first, edit] = geminiCalls(harness);
      // On interactions Google no longer holds the second turn: the third replays the whole thread from this store.
      if (suiteGeminiApi() === 'interactions') harness.gemini.interactions.expire(edit!.interactionId!);
      const third = await waitForBotReplyTo(harness, reply(thread.id, second, 'give it a hat', harness.discord.users.alice));
      expect(mainText(third)).toBe('With a hat.');
      const calls = geminiCalls(harness);
      expect(calls.map((call) => call.status)).toEqual(suiteGeminiApi() === 'interactions' ? [200, 200, 404, 200] : [200, 200, 200]);
      const replay = calls.at(-1)!;
      expect(replay.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
      expect(replay.sentTurns).toBe(5);
      expect(replay.modelTurnsSent).toEqual([first!.answerOnWire, edit!.answerOnWire]);

      const { databaseUrl, blobUrl } = harness.config;
      const recordKeys = await storedKeys(databaseUrl);
      expect(recordKeys).toContain(`conversation:${thread.id}`);
      const blobKeys = (await storedKeys(blobUrl)).filter((key) => key.startsWith('blob:'));
      expect(blobKeys.length).toBeGreaterThanOrEqual(3);
      if (blobUrl !== databaseUrl) expect(recordKeys.filter((key) => key.startsWith('blob:'))).toEqual([]);
    });

    it('continues a thread after a restart', async () => {
      const { starter, thread } = await startConversation('a fox');
      const edited = await waitForBotReplyTo(harness, reply(thread.id, starter, 'make it blue'));
      await harness.restart();
      const answer = await waitForBotReplyTo(harness, reply(thread.id, edited, 'now add snow'));
      expect(answer.attachments).toHaveLength(1);
      const calls = geminiCalls(harness);
      expect(calls[2]?.status).toBe(200);
      expect(calls[2]!.seen).toHaveLength(5);
      expect(calls[2]!.seen[1]).toEqual(calls[0]!.answer);
      expect(calls[2]!.seen[3]).toEqual(calls[1]!.answer);
      if (suiteGeminiApi() === 'generate-content') expect(calls[2]!.modelTurnsSent).toEqual([calls[0]!.answerOnWire, calls[1]!.answerOnWire]);
      // The interaction of the edit, read back from this store by the new process.
      else expect(calls[2]).toMatchObject({ continuedFrom: calls[1]!.interactionId, sentTurns: 1 });
    });

    it('answers two replies sent together in order, the second seeing the first', async () => {
      const { starter, thread } = await startConversation('a fox');
      const firstEdit = heldAnswer({ kind: 'image', text: 'first edit' });
      harness.gemini.enqueue(firstEdit.behaviour, { kind: 'image', text: 'second edit' });
      const first = reply(thread.id, starter, 'make it blue');
      const second = reply(thread.id, starter, 'add a moon', harness.discord.users.alice);
      // Gemini holds the first edit until the bot has taken in both replies (typing in the thread for each): the second
      // surely waits behind the first in this store's thread line, however fast or slow the machine.
      const typing = () => harness.discord.requests.filter((request) => request.method === 'POST' && request.path === `/channels/${thread.id}/typing`);
      await vi.waitFor(() => expect(typing().length).toBeGreaterThanOrEqual(2), PATIENCE);
      await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(2), PATIENCE);
      firstEdit.release();
      const [firstAnswer, secondAnswer] = await Promise.all([waitForBotReplyTo(harness, first), waitForBotReplyTo(harness, second)]);
      expect([mainText(firstAnswer), mainText(secondAnswer)]).toEqual(['first edit', 'second edit']);
      const calls = geminiCalls(harness);
      expect(calls.slice(1).map((call) => call.asked.texts[0])).toEqual(['make it blue', 'add a moon']);
      // The second saw the first's turn: generateContent sends it, interactions continues from its interaction.
      expect(geminiCall(harness, 2).seen[2]?.texts).toEqual(['make it blue']);
      if (suiteGeminiApi() === 'generate-content') expect(geminiCall(harness, 2).modelTurnsSent[1]).toEqual(calls[1]!.answerOnWire);
      else expect(geminiCall(harness, 2).continuedFrom).toBe(calls[1]!.interactionId);
    });

    it('keeps a server within its monthly budget under six /imagine at once', async () => {
      // One 1K image holds $0.234 at worst ($0.134 plus 50k input tokens at $2 per million): $0.50 admits two.
      await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'monthly_budget_usd', type: 10, value: 0.5 }]);
      // Gemini holds the admitted answers until the other four are refused: all six raced for the budget unsettled.
      const held = [heldAnswer({ kind: 'image' }), heldAnswer({ kind: 'image' })];
      harness.gemini.enqueue(...held.map((answer) => answer.behaviour));
      const users = ['alice', 'bob', 'carol', 'alice', 'bob', 'carol'] as const;
      const answered = users.map(async (user, index) => {
        const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users[user], name: 'imagine', options: [{ name: 'prompt', type: 3, value: `burst ${index}` }] });
        return harness.discord.waitForMessage(
          (message) => isBotMessage(harness, message) && message.id === harness.discord.interaction(interactionId).originalMessageId && !isProgressNote(message),
        );
      });
      const refused = () => harness.discord.messages(harness.discord.channelId).filter((message) => isBotMessage(harness, message) && /monthly image budget/.test(message.content));
      await vi.waitFor(() => expect(refused()).toHaveLength(4), PATIENCE);
      held.forEach((answer) => answer.release());
      const replies = await Promise.all(answered);
      expect(replies.filter((message) => message.attachments.length === 1)).toHaveLength(2);
      expect(replies.filter((message) => /monthly image budget/.test(message.content))).toHaveLength(4);
      expect(geminiCalls(harness)).toHaveLength(2);
    });
  });
}
