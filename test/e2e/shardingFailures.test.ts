import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { withoutRedis } from '../stores/withoutRedis.js';
import { emulatorEnv } from './compiledBot.js';
import { isAlive, spawnBot, type BotProcess } from './processLogs.js';
import { useCompiledBot } from './useCompiledBot.js';

/*
 * The sharding manager when things go wrong: a shard that dies after the
 * start, a shard or a store that cannot start, a manager that is killed.
 * The compiled bot, the build this test run shares. Runs once, on the default
 * GEMINI_API: no test here asks for an image (the bot gets no Gemini emulator),
 * and the transport is only the Gemini client each shard builds, so both
 * GEMINI_APIs would run the very same code; sharding.test.ts runs a sharded
 * bot's turns on both.
 */
const servers = useStoreServers('redis');
const entry = useCompiledBot();

/*
 * "Cannot start" is made real: Redis starts asking new connections for a
 * password (CONFIG SET requirepass), which the connections already open,
 * the other shard's, never notice.
 */
describe.skipIf(withoutRedis)('a shard that dies while the bot runs', () => {
  let discord: DiscordEmulator;
  let bot: BotProcess;
  const starts = (shard: number) => bot.logs.filter((line) => line['msg'] === 'shard process started' && line['shard'] === shard);

  beforeAll(async () => {
    await servers.redis.reset();
    // max_concurrency 16: both shards identify at once (344 ms apart); how they start is not what this tells.
    discord = await startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 16 });
    bot = spawnBot(entry(), { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: 'auto' });
    await bot.logged('all shards are online');
  }, 30_000);

  afterAll(async () => {
    await servers.redis.admin.configSet('requirepass', '');
    bot.killAll();
    await discord.close();
  });

  it('is restarted with growing delays while it cannot start, the other shard untouched, and runs again once it can', async () => {
    const [healthy, doomed] = [starts(0)[0]!['shardPid'] as number, starts(1)[0]!['shardPid'] as number];
    await servers.redis.admin.configSet('requirepass', 'locked-out');
    process.kill(doomed, 'SIGKILL');

    // Two failed restarts, each scheduled after twice the wait of the one before, not a process every few hundred ms:
    // the second's death schedules the third try, 2 s on.
    const delays = () => bot.logs.filter((line) => line['msg'] === 'restarting the shard').map((line) => [line['shard'], line['restartInMs']]);
    const failedRestarts = () => bot.logs.filter((line) => line['msg'] === 'the shard could not restart');
    await vi.waitFor(() => expect(delays().length >= 3 && failedRestarts().length >= 2).toBe(true), { timeout: 15_000, interval: 50 });
    expect(delays().slice(0, 3)).toEqual([[1, 500], [1, 1_000], [1, 2_000]]);
    expect(starts(1).length).toBeGreaterThanOrEqual(3);
    expect(isAlive(healthy)).toBe(true);
    expect(starts(0)).toHaveLength(1);
    expect(isAlive(bot.child.pid!)).toBe(true);

    // Redis lets it in again: the next try (the third, 2 s on, unless this machine is very slow) succeeds and the shard identifies as shard 1 again.
    await servers.redis.admin.configSet('requirepass', '');
    await bot.logged('shard restarted', { shard: 1 }, 15_000);
    expect(discord.shardSessions().at(-1)?.shard).toEqual([1, 2]);

    // 'close', not 'exit': the process and its shards have also closed the output pipe, so stderr is read whole.
    const exited = once(bot.child, 'close') as Promise<[number | null]>;
    bot.child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(bot.stderr()).toBe('');
  }, 40_000);
});

describe.skipIf(withoutRedis)('a shard that dies while the next one waits its turn to start', () => {
  it('is restarted too, and the manager still brings every shard online', async () => {
    await servers.redis.reset();
    // One IDENTIFY at a time: shard 1 starts 5.5 s after shard 0 is ready, and shard 0 dies in between.
    const discord = await startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 1 });
    const bot = spawnBot(entry(), { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: 'auto' });
    try {
      // Each wait gets logged()'s 20 s: three Node processes starting on a busy machine can take longer than 10.
      await bot.logged('bot is online', { shard: 0 });
      process.kill(bot.shardPids()[0]!, 'SIGKILL');
      await bot.logged('shard restarted', { shard: 0 });
      await bot.logged('all shards are online');
      expect(bot.shardPids()).toHaveLength(3);
      expect(bot.shardPids().filter(isAlive)).toHaveLength(2);
    } finally {
      bot.killAll();
      await discord.close();
    }
  }, 70_000);
});

describe('the bot with SHARDS set, when it cannot run', () => {
  const baseEnv = (discord: DiscordEmulator) => emulatorEnv(discord);
  const run = async (env: Record<string, string>) => {
    const bot = spawnBot(entry(), env);
    // 'close', not 'exit': 'exit' can come before the last output is read, and the test reads the logs and stderr next.
    const [code] = (await once(bot.child, 'close')) as [number | null];
    return { code, logs: bot.logs, stderr: bot.stderr(), shardPids: bot.shardPids() };
  };

  it('refuses a SQLite DATABASE_URL at start, naming SHARDS, before any shard or connection', async () => {
    const discord = await startDiscordEmulator();
    try {
      const { code, stderr } = await run({ ...baseEnv(discord), SHARDS: '2' });
      expect(code).toBe(1);
      expect(stderr).toContain('SHARDS needs a store shared by every shard process');
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(discord.requests).toEqual([]);
    } finally {
      await discord.close();
    }
  });

  it('stops every shard and exits 1 when a shard cannot open the store', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const discord = await startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 2 });
    try {
      const { code, logs, shardPids: pids } = await run({ ...baseEnv(discord), SHARDS: 'auto', DATABASE_URL: `redis://127.0.0.1:${port}` });
      expect(code).toBe(1);
      expect(logs.find((line) => line['msg'] === 'the bot could not start')?.['err']).toMatchObject({ message: expect.stringContaining('DATABASE_URL: cannot open the store') });
      expect(logs.some((line) => line['msg'] === 'a shard could not start; stopping the others')).toBe(true);
      expect(pids.length).toBeGreaterThan(0);
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      await discord.close();
    }
  });
});

describe.skipIf(withoutRedis)('the bot with SHARDS=2, when its manager is killed', () => {
  it('runs the two shards it was told to whatever Discord recommends, and they stop by themselves', async () => {
    await servers.redis.reset();
    const discord = await startDiscordEmulator({ recommendedShards: 1, maxConcurrency: 16 });
    const env = { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: '2' };
    const bot = spawnBot(entry(), env);
    const pids = bot.shardPids;
    try {
      await bot.logged('all shards are online');
      expect(discord.shardSessions().map((session) => session.shard).sort()).toEqual([[0, 2], [1, 2]]);
      // SIGKILL leaves no chance to forward anything: the shards notice their IPC channel close and stop on their own.
      bot.child.kill('SIGKILL');
      await vi.waitFor(() => expect(pids().filter(isAlive)).toEqual([]), { timeout: 10_000, interval: 50 });
    } finally {
      bot.killAll();
      await discord.close();
    }
  });

  it('leaves no shard behind when the manager is killed while the first shard is still starting', async () => {
    const discord = await startDiscordEmulator({ recommendedShards: 2 });
    const env = { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: 'auto' };
    const bot = spawnBot(entry(), env);
    let pid: number | undefined;
    try {
      pid = await vi.waitFor(() => bot.shardPids()[0] ?? Promise.reject(new Error('no shard yet')), { timeout: 10_000, interval: 5 });
      bot.child.kill('SIGKILL');
      await vi.waitFor(() => expect(isAlive(pid!)).toBe(false), { timeout: 10_000, interval: 50 });
    } finally {
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
      await discord.close();
    }
  });
});
