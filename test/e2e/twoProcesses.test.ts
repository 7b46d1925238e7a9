import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { startBot } from '../../src/startBot.js';
import { openStore } from '../../src/store/openStore.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { geminiBody, imagine, isBotMessage, isProgressNote, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

/**
 * Two bots on one Redis, both connected to the one Discord emulator. Neither
 * is sharded (each identifies as shard [0, 1]), so both receive every message
 * and both answer it: twice the turns, which is exactly the contention the
 * thread lease must survive. With SHARDS set, each server goes to one process
 * only (sharding.test.ts).
 */
const servers = useStoreServers();

describe('two bot processes on one Redis', () => {
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { DATABASE_URL: servers.redis.url, MAX_REQUESTS_PER_USER: '10' } }));

  it('runs every turn of a thread one after the other, each seeing all earlier ones, and stores them all', async () => {
    const { message: starter } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, starter.id);
    const second = await startBot(harness.config, createLogger('silent'));
    try {
      // Slow answers, so that without the lease both processes would load the same history and overwrite each other.
      harness.gemini.enqueue(...Array.from({ length: 4 }, (_, index) => ({ kind: 'delay' as const, ms: 150, then: { kind: 'image' as const, text: `edit ${index}` } })));
      harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id });
      harness.discord.sendMessage({ user: harness.discord.users.alice, channelId: thread.id, content: 'add a moon', replyTo: starter.id });

      // Each message answered by each process: four turns.
      const answers = () => harness.discord.messages(thread.id).filter((message) => isBotMessage(harness, message) && message.message_reference && !isProgressNote(message));
      await vi.waitFor(() => expect(answers()).toHaveLength(4), { timeout: 15_000, interval: 50 });
      // Gemini saw the history grow by one exchange per turn: no two turns read the same history.
      const historyLengths = [1, 2, 3, 4].map((index) => geminiBody(harness, index).contents.length).sort((a, b) => a - b);
      expect(historyLengths).toEqual([3, 5, 7, 9]);
    } finally {
      await second.stop(1_000);
    }
    const store = await openStore(servers.redis.url);
    const stored = await new ConversationStore(store.keyv).load(thread.id);
    await store.close();
    expect(stored.kind === 'found' && stored.record.exchanges.length).toBe(5);
  });
});
