import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useStoreServers } from '../stores/useStoreServers.js';
import { withoutRedis } from '../stores/withoutRedis.js';
import { suiteGeminiApi } from './suiteGeminiApi.js';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { imagine, isBotMessage, mainText, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

/*
 * Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
 *
 * A store that refuses writes mid-run, for real: image blobs in Redis
 * (BLOB_URL) that runs out of memory (maxmemory with noeviction answers every
 * write with OOM; reads still work), while the rest lives in SQLite.
 */
const servers = useStoreServers('redis');

describe.skipIf(withoutRedis)('a store that refuses to save a turn', () => {
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { BLOB_URL: servers.redis.url } }));

  it('tells the user the turn was not saved, logs it, keeps running, and loses nothing already stored', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);

    await servers.redis.admin.configSet('maxmemory-policy', 'noeviction');
    await servers.redis.admin.configSet('maxmemory', '1');
    const lost = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    const answer = await waitForBotReplyTo(harness, lost);
    expect(answer.attachments, answer.content).toHaveLength(1); // the image itself still reaches the user
    const warning = await harness.discord.waitForMessage((m) => m.channel_id === thread.id && /could not save this turn/.test(m.content));
    expect(mainText(warning)).toMatch(/^I could not save this turn \(reference [0-9a-f]{8}\), so a later edit will not include it\. The image above is still yours\.$/);
    expect(warning.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(harness.logLines.some((line) => line.includes('could not save the conversation turn') && line.includes('OOM'))).toBe(true);
    // Google keeps no turn the history lost (interactions: the unsaved turn's interaction is deleted there).
    const [first, unsaved] = geminiCalls(harness);
    expect(unsaved!.interactionId !== undefined).toBe(suiteGeminiApi() === 'interactions');
    await vi.waitFor(() => expect(harness.gemini.interactions.storedIds()).toEqual(first!.interactionId ? [first!.interactionId] : []), PATIENCE);

    await servers.redis.admin.configSet('maxmemory', '0');
    const next = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it green', replyTo: message.id });
    await waitForBotReplyTo(harness, next);
    const call = geminiCall(harness, 2);
    expect(call.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']); // the first turn, intact; the unsaved one absent
    expect(call.seen[1]).toEqual(geminiCall(harness, 0).answer);
    expect(call.status).toBe(200);
  });

  it('deletes the unsaved turn at Google even when Discord then refuses the warning too', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);

    await servers.redis.admin.configSet('maxmemory-policy', 'noeviction');
    await servers.redis.admin.configSet('maxmemory', '1');
    // The answer is posted in the thread; the warning that it was not saved, the next post there, is refused.
    const inThread = new RegExp(`^/channels/${thread.id}/messages$`);
    harness.discord.injectFault({
      method: 'POST',
      path: inThread,
      onHeld: () => harness.discord.injectFault({ method: 'POST', path: inThread, error: { status: 403, code: 50013, message: 'Missing Permissions' } }),
    });
    const lost = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    const answer = await waitForBotReplyTo(harness, lost);
    expect(answer.attachments, answer.content).toHaveLength(1);
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('unexpected error while handling a request') && line.includes('Missing Permissions'))).toBe(true), PATIENCE);
    const [first, unsaved] = geminiCalls(harness);
    if (suiteGeminiApi() === 'interactions') {
      await vi.waitFor(() => expect(harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE').map((request) => [request.interactionId, request.status])).toEqual([[unsaved!.interactionId, 200]]), PATIENCE);
      expect(harness.gemini.interactions.storedIds()).toEqual([first!.interactionId]);
    }
    expect(harness.logLines.some((line) => line.includes('could not save the conversation turn') && line.includes('OOM'))).toBe(true);
  });
});

describe.skipIf(withoutRedis)('/healthz with the image store out of reach', () => {
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { BLOB_URL: servers.redis.url, METRICS_PORT: '0' } }));

  it('reports the store down while the blob store does not answer, and ok again when it does', async () => {
    const url = `http://127.0.0.1:${harness.bot.metricsAddress!.port}/healthz`;
    expect((await fetch(url)).status).toBe(200);
    // Redis stops answering, as a hung server does, until the test lets it go on: reads of blobs hang.
    const resume = servers.redis.hang();
    try {
      const response = await fetch(url);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ checks: { store: 'down' } });
    } finally {
      resume();
    }
    await vi.waitFor(async () => expect((await fetch(url)).status).toBe(200), { timeout: 10_000, interval: 200 });
  });
});

describe.skipIf(withoutRedis)('a turn waiting for its thread while the bot stops', () => {
  beforeEach(() => servers.redis.reset());
  const harness = useHarness(() => ({ env: { DATABASE_URL: servers.redis.url } }));

  it('gives up waiting at shutdown and tells the member the bot is restarting', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    // Another process holds this thread's lease (for a minute): the bot's turn waits for it.
    await servers.redis.admin.sendCommand(['SET', `bot:lease:thread:${thread.id}`, 'another-process', 'PX', '60000']);
    const waiting = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    await vi.waitFor(() => expect(harness.discord.requests.some((request) => request.path === `/channels/${thread.id}/typing`)).toBe(true), PATIENCE);
    await harness.bot.stop(200);
    // Already said by the time the stop returns: the waiting turn gave up when the stop interrupted it. A turn that
    // went on waiting would have been left behind when the stop gave up on it, with nothing said before the client went.
    const said = harness.discord.messages(thread.id).filter((candidate) => isBotMessage(harness, candidate) && candidate.message_reference?.message_id === waiting.id);
    expect(said.map((reply) => reply.content)).toEqual([expect.stringMatching(/The bot is restarting/)]);
    expect(geminiCalls(harness)).toHaveLength(1);
  });
});

