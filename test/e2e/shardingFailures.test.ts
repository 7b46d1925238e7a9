import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { buildBot, emulatorEnv } from './compiledBot.js';
import { collectLogLines, isAlive } from './processLogs.js';

/*
 * The sharding manager when things go wrong: a shard that dies after the
 * start, a shard or a store that cannot start, a manager that is killed.
 * The compiled bot, in a build folder of its own.
 */
const servers = useStoreServers();
let entry: string;

beforeAll(async () => {
  entry = await buildBot(path.resolve(import.meta.dirname, '../../dist/sharding-failures-e2e'));
}, 120_000);

/*
 * "Cannot start" is made real: Redis starts asking new connections for a
 * password (CONFIG SET requirepass), which the connections already open,
 * the other shard's, never notice.
 */
describe('a shard that dies while the bot runs', () => {
  let discord: DiscordEmulator;
  let manager: ChildProcess;
  let logs: Array<Record<string, unknown>>;
  let stderr = '';
  const starts = (shard: number) => logs.filter((line) => line['msg'] === 'shard process started' && line['shard'] === shard);

  beforeAll(async () => {
    await servers.redis.reset();
    discord = await startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 2 });
    manager = spawn(process.execPath, [entry], { cwd: tmpdir(), env: { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: 'auto' } });
    logs = collectLogLines(manager);
    manager.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await vi.waitFor(() => expect(logs.some((line) => line['msg'] === 'all shards are online'), stderr).toBe(true), { timeout: 20_000, interval: 50 });
  }, 30_000);

  afterAll(async () => {
    await servers.redis.admin.configSet('requirepass', '');
    const pids = logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['shardPid'] as number);
    for (const pid of [manager.pid, ...pids]) if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    await discord.close();
  });

  it('is restarted with growing delays while it cannot start, the other shard untouched, and runs again once it can', async () => {
    const [healthy, doomed] = [starts(0)[0]!['shardPid'] as number, starts(1)[0]!['shardPid'] as number];
    await servers.redis.admin.configSet('requirepass', 'locked-out');
    process.kill(doomed, 'SIGKILL');

    // Three failed restarts, each after twice the wait of the one before, not a process every few hundred ms.
    await vi.waitFor(() => expect(starts(1).length).toBeGreaterThanOrEqual(4), { timeout: 15_000, interval: 50 });
    const delays = logs.filter((line) => line['msg'] === 'restarting the shard').map((line) => [line['shard'], line['restartInMs']]);
    expect(delays.slice(0, 3)).toEqual([[1, 500], [1, 1_000], [1, 2_000]]);
    expect(logs.filter((line) => line['msg'] === 'the shard could not restart').length).toBeGreaterThanOrEqual(2);
    expect(isAlive(healthy)).toBe(true);
    expect(starts(0)).toHaveLength(1);
    expect(isAlive(manager.pid!)).toBe(true);

    // Redis lets it in again: the next try succeeds and the shard identifies as shard 1 again.
    await servers.redis.admin.configSet('requirepass', '');
    await vi.waitFor(() => expect(logs.some((line) => line['msg'] === 'shard restarted' && line['shard'] === 1)).toBe(true), { timeout: 15_000, interval: 50 });
    expect(discord.shardSessions().at(-1)?.shard).toEqual([1, 2]);

    const exited = once(manager, 'exit') as Promise<[number | null]>;
    manager.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(stderr).toBe('');
  }, 40_000);
});

describe('a shard that dies while the next one waits its turn to start', () => {
  it('is restarted too, and the manager still brings every shard online', async () => {
    await servers.redis.reset();
    // One IDENTIFY at a time: shard 1 starts 5.5 s after shard 0 is ready, and shard 0 dies in between.
    const discord = await startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 1 });
    const manager = spawn(process.execPath, [entry], { cwd: tmpdir(), env: { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: 'auto' } });
    const logs = collectLogLines(manager);
    const pids = () => logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['shardPid'] as number);
    try {
      await vi.waitFor(() => expect(logs.some((line) => line['msg'] === 'bot is online' && line['shard'] === 0)).toBe(true), { timeout: 10_000, interval: 20 });
      process.kill(pids()[0]!, 'SIGKILL');
      await vi.waitFor(() => expect(logs.some((line) => line['msg'] === 'shard restarted' && line['shard'] === 0)).toBe(true), { timeout: 15_000, interval: 50 });
      await vi.waitFor(() => expect(logs.some((line) => line['msg'] === 'all shards are online')).toBe(true), { timeout: 15_000, interval: 50 });
      expect(pids()).toHaveLength(3);
      expect(pids().filter(isAlive)).toHaveLength(2);
    } finally {
      manager.kill('SIGKILL');
      for (const pid of pids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await discord.close();
    }
  }, 30_000);
});

describe('the bot with SHARDS set, when it cannot run', () => {
  const baseEnv = (discord: DiscordEmulator) => emulatorEnv(discord);
  const run = async (env: Record<string, string>) => {
    const child = spawn(process.execPath, [entry], { cwd: tmpdir(), env });
    const logs = collectLogLines(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, logs, stderr };
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
      const { code, logs } = await run({ ...baseEnv(discord), SHARDS: 'auto', DATABASE_URL: `redis://127.0.0.1:${port}` });
      expect(code).toBe(1);
      expect(logs.find((line) => line['msg'] === 'the bot could not start')?.['err']).toMatchObject({ message: expect.stringContaining('DATABASE_URL: cannot open the store') });
      expect(logs.some((line) => line['msg'] === 'a shard could not start; stopping the others')).toBe(true);
      const pids = logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['shardPid'] as number);
      expect(pids.length).toBeGreaterThan(0);
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      await discord.close();
    }
  });
});

describe('the bot with SHARDS=2, when its manager is killed', () => {
  it('runs the two shards it was told to whatever Discord recommends, and they stop by themselves within 10 s', async () => {
    await servers.redis.reset();
    const discord = await startDiscordEmulator({ recommendedShards: 1, maxConcurrency: 16 });
    const env = { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: '2' };
    const manager = spawn(process.execPath, [entry], { cwd: tmpdir(), env });
    const logs = collectLogLines(manager);
    const pids = () => logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['shardPid'] as number);
    try {
      await vi.waitFor(() => expect(logs.some((line) => line['msg'] === 'all shards are online')).toBe(true), { timeout: 20_000, interval: 50 });
      expect(discord.shardSessions().map((session) => session.shard).sort()).toEqual([[0, 2], [1, 2]]);
      const started = Date.now();
      // SIGKILL leaves no chance to forward anything: the shards notice their IPC channel close.
      manager.kill('SIGKILL');
      await vi.waitFor(() => expect(pids().filter(isAlive)).toEqual([]), { timeout: 10_000, interval: 50 });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const pid of pids()) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await discord.close();
    }
  });

  it('leaves no shard behind when the manager is killed while the first shard is still starting', async () => {
    const discord = await startDiscordEmulator({ recommendedShards: 2 });
    const env = { ...emulatorEnv(discord), DATABASE_URL: servers.redis.url, SHARDS: 'auto' };
    const manager = spawn(process.execPath, [entry], { cwd: tmpdir(), env });
    const logs = collectLogLines(manager);
    let pid: number | undefined;
    try {
      pid = await vi.waitFor(() => (logs.find((line) => line['msg'] === 'shard process started')?.['shardPid'] as number | undefined) ?? Promise.reject(new Error('no shard yet')), { timeout: 10_000, interval: 5 });
      manager.kill('SIGKILL');
      await vi.waitFor(() => expect(isAlive(pid!)).toBe(false), { timeout: 10_000, interval: 50 });
    } finally {
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
      await discord.close();
    }
  });
});
