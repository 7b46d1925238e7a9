import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShardingManager, type Shard } from 'discord.js';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { fetchGatewayInfo, type GatewayInfo } from './fetchGatewayInfo.js';
import { restartShardWhenItDies } from './restartShard.js';

/** A shard opens its store and connects; give it this long to say it is ready. */
const SPAWN_TIMEOUT_MS = 60_000;
/** Exit before a process manager's SIGKILL (about 10 s after SIGTERM), after the shards' own 9.5 s. */
const HARD_EXIT_MS = 9_800;
/** Discord allows one IDENTIFY per rate-limit bucket every 5 s; discord.js waits 5.5 s to be safe. */
const IDENTIFY_INTERVAL_MS = 5_500;

/**
 * Shards spawn one after the other; shards `maxConcurrency` apart share an
 * IDENTIFY bucket (bucket = shard id % max_concurrency), so spacing each
 * spawn by interval / maxConcurrency keeps every bucket to one IDENTIFY per window.
 */
export function spawnDelayMs(maxConcurrency: number): number {
  return Math.ceil(IDENTIFY_INTERVAL_MS / maxConcurrency);
}

/**
 * The sharding manager process: forks one process per shard running
 * `shardFile`, and forwards SIGTERM/SIGINT to them. It never opens the
 * store and never connects to the gateway; its only call to Discord is
 * GET /gateway/bot. A shard that fails to start stops them all (exit 1);
 * one that dies later is restarted, with backoff (restartShard.ts). The
 * manager exits 0 after SIGTERM only when every shard stopped cleanly.
 */
export async function runShardingManager(config: Config, logger: Logger, shardFile: string): Promise<void> {
  let gateway: GatewayInfo;
  try {
    gateway = await fetchGatewayInfo(config.discordApiUrl, config.discordToken);
  } catch (error) {
    logger.fatal({ err: error }, 'the sharding manager could not start');
    process.exit(1);
  }
  const count = config.shards === 'auto' ? gateway.recommendedShards : (config.shards ?? 1);
  // discord.js's respawn stays off: it restarts at once and forever; restartShardWhenItDies backs off.
  const manager = new ShardingManager(shardFile, { totalShards: count, token: config.discordToken, respawn: false, execArgv: process.execArgv });
  manager.on('shardCreate', (shard) => watchShard(shard, logger));

  let stopping = false;
  const stopShards = async () => {
    const exits = await Promise.all(manager.shards.map((shard) => stopShard(shard)));
    // A shard still starting has no SIGTERM handler yet: ended by the signal we sent, it stopped as asked.
    const unclean = exits.filter((exit) => exit.code !== 0 && exit.signal !== 'SIGTERM');
    for (const exit of unclean) logger.error(exit, 'a shard did not stop cleanly');
    return unclean.length === 0;
  };
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, shards: manager.shards.size }, 'stopping the shards');
    setTimeout(() => {
      for (const shard of manager.shards.values()) shard.process?.kill('SIGKILL');
      process.exit(1);
    }, HARD_EXIT_MS).unref();
    void stopShards().then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  logger.info({ shards: count, recommended: gateway.recommendedShards, maxConcurrency: gateway.maxConcurrency }, 'starting shards');
  const delay = spawnDelayMs(gateway.maxConcurrency);
  for (let id = 0; id < count && !stopping; id++) {
    const shard = manager.createShard(id);
    try {
      const pause = id < count - 1 ? sleep(delay) : undefined;
      await shard.spawn(SPAWN_TIMEOUT_MS);
      // Only a shard that started once is restarted (one that cannot start at all would only fail again),
      // and from the moment it is ready: it may die while the next shard waits its turn to identify.
      restartShardWhenItDies(shard, { logger, spawnTimeoutMs: SPAWN_TIMEOUT_MS, isStopping: () => stopping });
      await pause;
    } catch (error) {
      if (stopping) return;
      stopping = true;
      logger.fatal({ err: error, shard: id }, 'a shard could not start; stopping the others');
      await stopShards();
      process.exit(1);
    }
  }
  if (stopping) return;
  logger.info({ shards: count }, 'all shards are online');
}

function watchShard(shard: Shard, logger: Logger): void {
  // Always a ChildProcess: the manager runs in 'process' mode (a Worker would share our memory and crash with us).
  shard.on('spawn', (child) => logger.info({ shard: shard.id, shardPid: 'pid' in child ? child.pid : undefined }, 'shard process started'));
  shard.on('death', (child) => logger.warn({ shard: shard.id, ...('exitCode' in child ? { exitCode: child.exitCode, signal: child.signalCode } : {}) }, 'shard process exited'));
  // discord.js emits some failures as 'error'; without a listener they would crash the manager.
  shard.on('error', (error: unknown) => logger.error({ err: error, shard: shard.id }, 'shard error'));
}

export interface ShardExit {
  shard: number;
  /** The process's exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * SIGTERM to one shard process (discord.js's kill() would not wait for it),
 * resolved with how it exited. A shard with no process (waiting for its
 * restart) has nothing to stop.
 */
export async function stopShard(shard: Pick<Shard, 'id' | 'process'>): Promise<ShardExit> {
  const child = shard.process;
  if (!child) return { shard: shard.id, code: 0, signal: null };
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  return { shard: shard.id, code: child.exitCode, signal: child.signalCode };
}
