import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { buildBot, emulatorEnv } from './compiledBot.js';
import { collectLogLines, isAlive } from './processLogs.js';

/*
 * A shard that dies after the start is restarted by the manager, with
 * backoff while it cannot start, and without disturbing the other shard.
 * "Cannot start" is made real: Redis starts asking new connections for a
 * password (CONFIG SET requirepass), which the connections already open,
 * the other shard's, never notice.
 */
const servers = useStoreServers();
let entry: string;

beforeAll(async () => {
  entry = await buildBot(path.resolve(import.meta.dirname, '../../dist/shard-restarts-e2e'));
}, 120_000);

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
    const pids = logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['pid'] as number);
    for (const pid of [manager.pid, ...pids]) if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    await discord.close();
  });

  it('is restarted with growing delays while it cannot start, the other shard untouched, and runs again once it can', async () => {
    const [healthy, doomed] = [starts(0)[0]!['pid'] as number, starts(1)[0]!['pid'] as number];
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
