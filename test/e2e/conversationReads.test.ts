import { createClient } from '@keyv/redis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../emulators/discord/index.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { withoutRedis } from '../stores/withoutRedis.js';
import { imagine, isBotMessage, isProgressNote, waitForBotReplyTo, waitForThread } from './helpers.js';
import { suiteGeminiApi } from './suiteGeminiApi.js';
import { useHarness } from './useHarness.js';

/**
 * On a shared store every read of a conversation record is a round trip
 * (and the thread's lease another): a turn reads its record once, however
 * it was asked for. Counted on a real Redis with MONITOR, which reports
 * every command any client sends, in the order Redis runs them. Runs on
 * both GEMINI_APIs (E2E_GEMINI_API): on interactions a turn also reads the
 * interaction it continues from out of the record, and Delete forgets the
 * turn's interaction at Google, without another read.
 */
const servers = useStoreServers('redis');

/** Every command Redis runs from now on, as MONITOR prints it (`… "GET" "bot::conversation:123"`). */
async function watchRedis(url: string) {
  const client = createClient({ url });
  await client.connect();
  const lines: string[] = [];
  const waiting = new Map<string, () => void>();
  await client.monitor((line) => {
    const text = String(line);
    lines.push(text);
    for (const [marker, resolve] of waiting) if (text.includes(marker)) resolve();
  });
  const marker = createClient({ url });
  await marker.connect();
  let markers = 0;
  return {
    /**
     * The reads of a thread's conversation record Redis ran since the last
     * call: up to a marker sent now, so every command the bot sent before
     * is in (Redis runs, and MONITOR reports, commands in one order).
     */
    async readsOf(threadId: string): Promise<number> {
      const name = `reads-marker-${++markers}`;
      const reached = new Promise<void>((resolve) => waiting.set(name, resolve));
      await marker.echo(name);
      await reached;
      waiting.delete(name);
      const key = `"bot::conversation:${threadId}"`;
      const reads = lines.filter((text) => /"(GET|MGET|GETEX)"/i.test(text) && text.includes(key)).length;
      lines.length = 0;
      return reads;
    },
    async close() {
      await Promise.all([client.close(), marker.close()]);
    },
  };
}

describe.skipIf(withoutRedis)('a turn reads its conversation once, on a shared store', () => {
  beforeEach(() => servers.reset());
  const harness = useHarness(() => ({ env: { DATABASE_URL: servers.redis.url } }));
  let redis: Awaited<ReturnType<typeof watchRedis>>;
  beforeEach(async () => {
    redis = await watchRedis(servers.redis.url);
  });
  afterEach(() => redis.close());

  async function conversation() {
    const { message: starter } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, starter.id);
    await redis.readsOf(thread.id);
    return { starter, thread };
  }

  /** The next image the bot posts in the thread. */
  function nextResultIn(threadId: string, after: StoredMessage[]) {
    const known = new Set(after.map((message) => message.id));
    return harness.discord.waitForMessage(
      (message) => isBotMessage(harness, message) && message.channel_id === threadId && !known.has(message.id) && message.attachments.length > 0 && !isProgressNote(message),
    );
  }

  it('a reply in the thread', async () => {
    const { starter, thread } = await conversation();
    const answer = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    expect(answer.attachments).toHaveLength(1);
    expect(await redis.readsOf(thread.id)).toBe(1);
  });

  it.each(['reroll', 'upscale-2k'])('the %s button: finding the image and the turn share the one read', async (action) => {
    const { starter, thread } = await conversation();
    const before = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: `nb1:result:${action}` });
    await nextResultIn(thread.id, before);
    expect(await redis.readsOf(thread.id)).toBe(1);
  });

  it('the Edit form', async () => {
    const { starter, thread } = await conversation();
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:edit' });
    await harness.discord.waitForInteractionResponse(interactionId);
    const before = harness.discord.messages(thread.id);
    harness.discord.submitModal({ user: harness.discord.users.bob, interactionId, values: { instruction: 'make the fox blue' } });
    await nextResultIn(thread.id, before);
    expect(await redis.readsOf(thread.id)).toBe(1);
  });

  /** The bot's private answer to a click, once it says more than "thinking…". */
  async function privateAnswer(interactionId: string) {
    await harness.discord.waitForInteractionResponse(interactionId);
    return harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && message.content !== '');
  }

  it('the Delete button: checking who may and editing the record share the one read', async () => {
    const { starter, thread } = await conversation();
    const answer = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    await redis.readsOf(thread.id);
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: answer, customId: 'nb1:result:delete' });
    expect((await privateAnswer(interactionId)).content).toBe('Deleted. The conversation goes on without that image.');
    expect(await redis.readsOf(thread.id)).toBe(1);
  });

  it('the Branch button reads the conversation it branches from once, and on interactions once more to mark what the branch shares', async () => {
    const { starter, thread } = await conversation();
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:branch' });
    expect((await privateAnswer(interactionId)).content).toMatch(/^Branched into <#\d+>\./);
    // The mark waits until the branch is saved (a Branch that fails marks nothing), in the thread's line, where the
    // record is read again: turns may have been added or deleted since. generateContent keeps nothing to mark.
    expect(await redis.readsOf(thread.id)).toBe(suiteGeminiApi() === 'interactions' ? 2 : 1);
  });
});
