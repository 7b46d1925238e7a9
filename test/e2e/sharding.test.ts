import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shardForGuild, startDiscordEmulator, type DiscordEmulator, type StoredMessage } from '../emulators/discord/index.js';
import { startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { withoutRedis } from '../stores/withoutRedis.js';
import { emulatorEnv } from './compiledBot.js';
import { geminiCall, geminiCalls, type SeenTurn } from './geminiCalls.js';
import { PATIENCE } from './helpers.js';
import { suiteGeminiApi } from './suiteGeminiApi.js';
import { isAlive, spawnBot, type BotProcess, type LogLine } from './processLogs.js';
import { useCompiledBot } from './useCompiledBot.js';

/*
 * `npm start` with SHARDS=auto against a Discord that recommends two shards:
 * the compiled bot's sharding manager forks two shard processes on one Redis.
 * Runs on both GEMINI_APIs (E2E_GEMINI_API, passed to the manager by
 * emulatorEnv and from it to its shards): what Gemini saw is read through
 * geminiCalls.
 */
const servers = useStoreServers('redis');
const entry = useCompiledBot();

describe.skipIf(withoutRedis)('the bot with SHARDS=auto', () => {
  let discord: DiscordEmulator;
  let gemini: GeminiEmulator;
  /** What geminiCalls reads: the emulator the shards call. */
  const h = { get gemini() { return gemini; } };
  let directory: string;
  let bot: BotProcess;
  let logs: LogLine[];

  beforeAll(async () => {
    await servers.redis.reset();
    // max_concurrency 2 lets both shards IDENTIFY at once, as Discord allows large bots; 1 would only add 5.5 s.
    [discord, gemini] = await Promise.all([startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 2 }), startGeminiEmulator()]);
    directory = await mkdtemp(path.join(tmpdir(), 'bot-shards-'));
    bot = spawnBot(entry(), { ...emulatorEnv(discord, gemini), DATABASE_URL: servers.redis.url, SHARDS: 'auto' }, directory);
    logs = bot.logs;
    await bot.logged('all shards are online');
  }, 30_000);

  afterAll(async () => {
    bot.killAll();
    await Promise.all([discord.close(), gemini.close()]);
    await rm(directory, { recursive: true, force: true });
  });

  it('runs one process per shard; each server is answered by its own shard alone; a shard killed when idle is restarted and carries on its conversations; SIGTERM stops them all within 10 s', async () => {
    expect(discord.shardSessions().map((session) => session.shard).sort()).toEqual([[0, 2], [1, 2]]);
    expect(bot.shardPids()).toHaveLength(2);
    const [first, second] = [
      { guildId: discord.guildId, channelId: discord.channelId, prompt: 'a fox' },
      { guildId: discord.secondGuildId, channelId: discord.secondGuildChannelId, prompt: 'a cat' },
    ].map((server) => ({ ...server, shard: shardForGuild(server.guildId, 2) })) as [Server, Server];
    expect(second.shard).toBe(1 - first.shard);

    // Both servers ask at once; each /imagine is acknowledged once, by its own shard, which hears of no other server.
    const [fox] = await Promise.all([imagineIn(first), imagineIn(second)]);
    for (const server of [first, second]) {
      expect(guildsHeardBy(server.shard)).toEqual([server.guildId]);
      expect(interactionGuildsOf(server.shard)).toEqual([server.guildId]);
    }

    // A reply in the first server's thread continues its conversation: Gemini sees the first exchange.
    const blue = await replyIn(fox.id, 'make it blue', fox);
    expect(geminiCall(h, 2).seen).toHaveLength(3);
    const foxCall = geminiCalls(h).find((call) => call.seen[0]?.texts[0] === first.prompt)!;
    const foxAnswer = foxCall.answer;
    expect(geminiCall(h, 2).seen[1]).toEqual(foxAnswer);
    // Every shard calls Gemini on this run's GEMINI_API: the manager passes it on.
    expect(geminiCalls(h).map((call) => call.api)).toEqual([suiteGeminiApi(), suiteGeminiApi(), suiteGeminiApi()]);
    // A turn logs its generation after it answered, from the shard's own process: the lines may come just after the answers.
    await vi.waitFor(() => expect(generations()).toHaveLength(3), PATIENCE);
    expect(generations().map((line) => `${line['guildId']} ${line['shard']} ${line['outcome']}`).sort()).toEqual(
      [`${first.guildId} ${first.shard} images`, `${first.guildId} ${first.shard} images`, `${second.guildId} ${second.shard} images`].sort(),
    );

    const reborn = await killIdleShardAndAwaitItsReturn(first.shard);
    const generationsBefore = generations().length;
    // The new process takes over what the dead one made. Reroll replays the history before a turn, then the turn's own words.
    expect(await reroll(fox, fox.id)).toEqual([userSaid(first.prompt)]);
    expect(await reroll(blue, fox.id)).toEqual([userSaid(first.prompt), foxAnswer, userSaid('make it blue')]);
    // Its model turn as Gemini sent it (generateContent), or continued from the interaction the dead process stored.
    if (suiteGeminiApi() === 'generate-content') expect(geminiCalls(h).at(-1)!.modelTurnsSent).toEqual([foxCall.answerOnWire]);
    else expect(geminiCalls(h).at(-1)!.continuedFrom).toBe(foxCall.interactionId);
    // A reply after the restart builds on every exchange, those of the dead process included.
    await replyIn(fox.id, 'and a scarf', discord.messages(fox.id).filter(isBot).at(-1)!);
    const scarf = geminiCalls(h).at(-1)!;
    expect(scarf.status).toBe(200);
    expect(scarf.seen).toHaveLength(9); // fox, blue and the two rerolls, then the new words
    expect(scarf.seen.slice(0, 3)).toEqual([userSaid(first.prompt), foxAnswer, userSaid('make it blue')]);
    if (suiteGeminiApi() === 'generate-content') expect(scarf.modelTurnsSent[0]).toEqual(foxCall.answerOnWire);
    // Google's copy of the last reroll's interaction skips the turns after the image it rerolled, so on interactions
    // this turn replays the record, as generateContent does every turn (buttons.test.ts: and the next one continues).
    else expect(scarf.continuedFrom).toBeUndefined();
    await vi.waitFor(() => expect(generations().slice(generationsBefore)).toHaveLength(3), PATIENCE);
    expect(generations().slice(generationsBefore).map((line) => [line['guildId'], line['shard'], line['pid'], line['outcome']])).toEqual(
      Array.from({ length: 3 }, () => [first.guildId, first.shard, reborn, 'images']),
    );
    // The clicks went to the restarted shard's new session; the second server's shard heard only its own /imagine throughout.
    expect(interactionGuildsOf(first.shard)).toEqual([first.guildId, first.guildId]);
    expect([guildsHeardBy(second.shard), interactionGuildsOf(second.shard)]).toEqual([[second.guildId], [second.guildId]]);

    const pids = bot.shardPids();
    const started = Date.now();
    // 'close', not 'exit': the process and its shards have also closed the output pipe, so every line and stderr are read.
    const exited = once(bot.child, 'close') as Promise<[number | null]>;
    bot.child.kill('SIGTERM');
    const [code] = await exited;
    // An operator's limit, not a guess: orchestrators kill a process 10 s after SIGTERM (Docker's default), and the idle
    // shards need a fraction of it to stop and the manager to see them go.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(bot.stderr()).toBe('');
  });

  /** Sends /imagine in the server's channel and waits for the image and its thread (made once the exchange is saved). */
  async function imagineIn(server: Server): Promise<StoredMessage> {
    const { interactionId } = discord.sendSlashCommand({ user: discord.users.alice, channelId: server.channelId, name: 'imagine', options: [{ name: 'prompt', type: 3, value: server.prompt }] });
    const starter = await discord.waitForMessage((message) => isBot(message) && message.id === discord.interaction(interactionId).originalMessageId && message.attachments.length === 1);
    // Exactly one acknowledgement: no other shard saw the interaction.
    expect(discord.requests.filter((request) => request.method === 'POST' && request.path.startsWith(`/interactions/${interactionId}/`))).toHaveLength(1);
    await vi.waitFor(() => expect(discord.threads().map((thread) => thread.id)).toContain(starter.id), { timeout: 10_000, interval: 20 });
    return starter;
  }

  /** bob replies in a thread; resolves with the bot's image answering him. */
  async function replyIn(threadId: string, content: string, replyTo: StoredMessage): Promise<StoredMessage> {
    const request = discord.sendMessage({ user: discord.users.bob, channelId: threadId, content, replyTo: replyTo.id });
    return discord.waitForMessage((message) => isBot(message) && message.message_reference?.message_id === request.id && message.attachments.length === 1);
  }

  /** bob clicks Reroll under an image; resolves with the contents of the Gemini request that made the new image. */
  async function reroll(image: StoredMessage, threadId: string): Promise<SeenTurn[]> {
    const known = new Set(discord.messages(threadId).map((message) => message.id));
    const asked = geminiCalls(h).length;
    const { interactionId } = discord.clickButton({ user: discord.users.bob, message: image, customId: 'nb1:result:reroll' });
    await discord.waitForInteractionResponse(interactionId);
    await discord.waitForMessage((message) => isBot(message) && message.channel_id === threadId && !known.has(message.id) && message.attachments.length === 1);
    return geminiCall(h, asked).seen;
  }

  /**
   * SIGKILLs the shard's process once it is idle, its answers posted and saved: a process killed
   * mid-turn leaves its thread lease to expire (15 s). Resolves with the pid of the process the
   * manager starts in its place, once that one is online.
   */
  async function killIdleShardAndAwaitItsReturn(shard: number): Promise<number> {
    // Claims on answered messages stay for an hour by design; only held leases (threads, budgets) mean work in progress.
    const heldLeases = async () => (await servers.redis.admin.keys('bot:lease:*')).filter((key) => !key.startsWith('bot:lease:claim:'));
    await vi.waitFor(async () => expect(await heldLeases()).toEqual([]), { timeout: 10_000, interval: 20 });
    const dead = shardPidOf(shard);
    process.kill(dead, 'SIGKILL');
    await discord.waitForIdentify(3);
    await vi.waitFor(() => expect(logs.filter((line) => line['msg'] === 'bot is online' && line['shard'] === shard)).toHaveLength(2), { timeout: 10_000, interval: 20 });
    // It identifies again as the same shard; the other shard's process was left alone.
    expect(logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['shard']).sort()).toEqual([0, 1, shard].sort());
    expect(discord.shardSessions().at(-1)?.shard).toEqual([shard, 2]);
    const reborn = shardPidOf(shard);
    expect(reborn).not.toBe(dead);
    return reborn;
  }

  const isBot = (message: StoredMessage) => message.author.id === discord.botUser.id;
  const generations = () => logs.filter((line) => 'outcome' in line);
  const shardPidOf = (shard: number) => logs.filter((line) => line['msg'] === 'shard process started' && line['shard'] === shard).at(-1)!['shardPid'] as number;
  /** The shard's live session: a restarted shard identifies afresh, and its dead session stays listed before it. */
  const latestSessionOf = (shard: number) => discord.shardSessions().filter((session) => session.shard[0] === shard).at(-1)!;
  const guildsHeardBy = (shard: number) => [...new Set(latestSessionOf(shard).events.flatMap(guildOfEvent))];
  const interactionGuildsOf = (shard: number) =>
    latestSessionOf(shard).events.filter((event) => event.t === 'INTERACTION_CREATE').map((event) => (event.d as { guild_id: string }).guild_id);
});

interface Server {
  guildId: string;
  channelId: string;
  prompt: string;
  shard: number;
}

/** The guild an event is about, as a list of none or one: GUILD_CREATE names it by `id`, the others by `guild_id`; READY by neither. */
function guildOfEvent(event: { t: string; d: unknown }): string[] {
  const data = event.d as { id?: string; guild_id?: string };
  const guildId = event.t === 'GUILD_CREATE' ? data.id : data.guild_id;
  return guildId === undefined ? [] : [guildId];
}

const userSaid = (text: string): SeenTurn => ({ role: 'user', texts: [text], images: [] });
