import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shardForGuild, startDiscordEmulator, type DiscordEmulator, type StoredMessage } from '../emulators/discord/index.js';
import { startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';
import { useStoreServers } from '../stores/useStoreServers.js';
import { buildBot, emulatorEnv } from './compiledBot.js';

/*
 * `npm start` with SHARDS=auto against a Discord that recommends two shards:
 * the compiled bot's sharding manager forks two shard processes on one Redis.
 * Its own build folder, so building here never races process.test.ts's build.
 */
const servers = useStoreServers();
let entry: string;

beforeAll(async () => {
  entry = await buildBot(path.resolve(import.meta.dirname, '../../dist/sharding-e2e'));
}, 120_000);

/** Everything the manager and its shards log (JSON lines; they share the manager's stdout). */
function collectLogLines(child: ChildProcess): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return lines;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the bot with SHARDS=auto', () => {
  let discord: DiscordEmulator;
  let gemini: GeminiEmulator;
  let directory: string;
  let manager: ChildProcess;
  let logs: Array<Record<string, unknown>>;
  let stderr = '';
  const shardPids = () => logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['pid'] as number);

  beforeAll(async () => {
    await servers.redis.reset();
    // max_concurrency 2 lets both shards IDENTIFY at once, as Discord allows large bots; 1 would only add 5.5 s.
    [discord, gemini] = await Promise.all([startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 2 }), startGeminiEmulator()]);
    directory = await mkdtemp(path.join(tmpdir(), 'bot-shards-'));
    manager = spawn(process.execPath, [entry], {
      cwd: directory,
      env: { ...emulatorEnv(discord, gemini), DATABASE_URL: servers.redis.url, SHARDS: 'auto' },
    });
    logs = collectLogLines(manager);
    manager.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await vi.waitFor(() => expect(logs.some((line) => line['msg'] === 'all shards are online'), stderr).toBe(true), { timeout: 20_000, interval: 50 });
  }, 30_000);

  afterAll(async () => {
    for (const pid of [manager.pid, ...shardPids()]) if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all([discord.close(), gemini.close()]);
    await rm(directory, { recursive: true, force: true });
  });

  it('runs one process per shard; only the server\'s shard answers /imagine and the thread; a dead shard is restarted; SIGTERM stops them all within 10 s', async () => {
    const owner = shardForGuild(discord.guildId, 2);
    expect(discord.shardSessions().map((session) => session.shard).sort()).toEqual([[0, 2], [1, 2]]);
    expect(shardPids()).toHaveLength(2);

    const { interactionId } = discord.sendSlashCommand({ user: discord.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a fox' }] });
    const isBot = (message: StoredMessage) => message.author.id === discord.botUser.id;
    const starter = await discord.waitForMessage(
      (message) => isBot(message) && message.id === discord.interaction(interactionId).originalMessageId && message.attachments.length === 1,
    );
    // Exactly one acknowledgement: the other shard never saw the interaction.
    expect(discord.requests.filter((request) => request.method === 'POST' && request.path.startsWith(`/interactions/${interactionId}/`))).toHaveLength(1);
    const eventsOf = (shardId: number) => discord.shardSessions().find((session) => session.shard[0] === shardId)!.events.map((event) => event.t);
    expect(eventsOf(owner)).toContain('INTERACTION_CREATE');
    expect(eventsOf(1 - owner)).toEqual(['READY']);

    // A reply in the thread continues the conversation: Gemini sees the first exchange.
    const thread = await vi.waitFor(() => discord.threads().find((candidate) => candidate.id === starter.id) ?? Promise.reject(new Error('no thread yet')));
    const request = discord.sendMessage({ user: discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id });
    await discord.waitForMessage((message) => isBot(message) && message.message_reference?.message_id === request.id && message.attachments.length === 1);
    expect(gemini.requests).toHaveLength(2);
    expect((gemini.requests[1]?.body as { contents: unknown[] }).contents).toHaveLength(3);
    const generations = logs.filter((line) => 'outcome' in line);
    expect(generations.map((line) => [line['shard'], line['outcome']])).toEqual([[owner, 'images'], [owner, 'images']]);

    // A shard that dies is started again, and identifies again as the same shard.
    const other = logs.find((line) => line['msg'] === 'shard process started' && line['shard'] === 1 - owner)!['pid'] as number;
    process.kill(other, 'SIGKILL');
    await discord.waitForIdentify(3);
    expect(logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['shard']).sort()).toEqual([0, 1, 1 - owner].sort());
    expect(discord.shardSessions().at(-1)?.shard).toEqual([1 - owner, 2]);

    const pids = shardPids();
    const started = Date.now();
    const exited = once(manager, 'exit') as Promise<[number | null]>;
    manager.kill('SIGTERM');
    const [code] = await exited;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(stderr).toBe('');
  });
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
      const pids = logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['pid'] as number);
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
    const pids = () => logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['pid'] as number);
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
      pid = await vi.waitFor(() => (logs.find((line) => line['msg'] === 'shard process started')?.['pid'] as number | undefined) ?? Promise.reject(new Error('no shard yet')), { timeout: 10_000, interval: 5 });
      manager.kill('SIGKILL');
      await vi.waitFor(() => expect(isAlive(pid!)).toBe(false), { timeout: 10_000, interval: 50 });
    } finally {
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
      await discord.close();
    }
  });
});
