import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import type { Shard } from 'discord.js';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { restartShardWhenItDies } from '../../src/sharding/restartShard.js';
import { stopShard } from '../../src/sharding/runShardingManager.js';

/**
 * A shard as restartShardWhenItDies sees it: the events discord.js's Shard
 * emits (death, spawn, ready) and spawn(), which starts it again at once.
 * On fake timers, so a minute of back-off costs nothing.
 */
function watchedShard(options: { stopping?: () => boolean } = {}) {
  const shard = Object.assign(new EventEmitter(), {
    id: 4,
    process: null,
    spawns: 0,
    async spawn() {
      shard.spawns += 1;
      shard.emit('spawn');
    },
  });
  const logged: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  restartShardWhenItDies(shard as unknown as Shard, { logger, spawnTimeoutMs: 1_000, isStopping: options.stopping ?? (() => false) });
  /** The shard dies; resolves with the back-off it was given, once it has been spawned again after it. */
  const dies = async (): Promise<number | undefined> => {
    const before = { spawns: shard.spawns, lines: logged.length };
    shard.emit('death');
    const delay = logged.slice(before.lines).find((line) => line['msg'] === 'restarting the shard')?.['restartInMs'] as number | undefined;
    if (delay === undefined) return undefined;
    await vi.advanceTimersByTimeAsync(delay - 1);
    expect(shard.spawns).toBe(before.spawns); // not a moment before its back-off
    await vi.advanceTimersByTimeAsync(1);
    expect(shard.spawns).toBe(before.spawns + 1);
    return delay;
  };
  return { shard, dies };
}

describe('restarting a shard that died', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits half a second after a first crash, doubles for each crash in a row, and never more than a minute', async () => {
    const { dies } = watchedShard();
    const delays: Array<number | undefined> = [];
    for (let crash = 1; crash <= 9; crash++) delays.push(await dies());
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('counts a crash as the first in a row again once the shard was ready for a minute, not before', async () => {
    const { shard, dies } = watchedShard();
    expect([await dies(), await dies()]).toEqual([500, 1_000]);
    shard.emit('ready');
    await vi.advanceTimersByTimeAsync(59_999);
    expect(await dies()).toBe(2_000);
    shard.emit('ready');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await dies()).toBe(500);
  });

  it('restarts nothing once the manager is stopping', async () => {
    let stopping = false;
    const { shard, dies } = watchedShard({ stopping: () => stopping });
    shard.emit('death');
    stopping = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await dies()).toBeUndefined();
    expect(shard.spawns).toBe(0);
  });
});

/** A real child process that obeys SIGTERM with `exitCode`, once it is listening for it. */
async function childThatExitsWith(exitCode: number) {
  const child = spawn(process.execPath, ['-e', `process.on('SIGTERM', () => process.exit(${exitCode})); console.log('listening'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  return child;
}

describe('stopShard', () => {
  it('sends SIGTERM and reports the exit code, so the manager can tell a clean stop from a failed one', async () => {
    const clean = await childThatExitsWith(0);
    const failed = await childThatExitsWith(3);
    const exits = await Promise.all([stopShard({ id: 0, process: clean }), stopShard({ id: 1, process: failed })]);
    expect(exits).toEqual([
      { shard: 0, code: 0, signal: null },
      { shard: 1, code: 3, signal: null },
    ]);
  });

  it('reports a shard that had already died as it died, and one without a process as stopped', async () => {
    const child = spawn(process.execPath, ['-e', 'process.exit(7)']);
    await once(child, 'exit');
    expect(await stopShard({ id: 2, process: child })).toEqual({ shard: 2, code: 7, signal: null });
    expect(await stopShard({ id: 3, process: null })).toEqual({ shard: 3, code: 0, signal: null });
  });
});
