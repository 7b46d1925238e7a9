import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../src/sharding/restartShard.js';
import { stopShard } from '../../src/sharding/runShardingManager.js';

describe('restartDelayMs', () => {
  it('waits half a second after a first crash, doubles for each crash in a row, and never more than a minute', () => {
    expect([1, 2, 3, 4, 5].map(restartDelayMs)).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
    expect(restartDelayMs(8)).toBe(60_000);
    expect(restartDelayMs(1_000)).toBe(60_000);
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
