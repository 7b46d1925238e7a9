import type { Shard } from 'discord.js';
import type { Logger } from 'pino';

/** The first restart after a crash waits this long (discord.js's own respawn delay)... */
const FIRST_RESTART_DELAY_MS = 500;
/** ...doubled for every crash in a row, up to this. */
const MAX_RESTART_DELAY_MS = 60_000;
/** A shard that stayed ready this long was healthy: its next crash counts as the first in a row again. */
const HEALTHY_AFTER_MS = 60_000;

/** How long to wait before restarting a shard that has crashed `crashesInARow` times (1 = the first crash). */
function restartDelayMs(crashesInARow: number): number {
  return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** Math.max(0, crashesInARow - 1));
}

export interface RestartOptions {
  logger: Logger;
  /** How long a restarted shard has to become ready before it is killed and tried again. */
  spawnTimeoutMs: number;
  /** True once the manager is shutting down: no more restarts. */
  isStopping(): boolean;
}

/**
 * Restarts a shard whenever its process dies, with exponential backoff.
 * discord.js's own respawn (ShardingManager `respawn: true`) restarts at once
 * and forever: a shard that cannot start (its store down, a bad release)
 * would fork a process every few hundred milliseconds, and one that never
 * becomes ready would be left half-started. Here a shard that does not become
 * ready in time is killed, and every death schedules the next try, so a
 * broken shard is retried every minute at most while the healthy ones keep
 * serving their servers. The manager must run with `respawn: false`.
 */
export function restartShardWhenItDies(shard: Shard, options: RestartOptions): void {
  const { logger } = options;
  let crashesInARow = 0;
  // Called as the shard first becomes ready. Healthy means ready for a while: one that hangs before ready and is killed crashed like any other.
  let readyAt: number | undefined = Date.now();
  shard.on('spawn', () => (readyAt = undefined));
  shard.on('ready', () => (readyAt = Date.now()));
  shard.on('death', () => {
    if (options.isStopping()) return;
    const wasHealthy = readyAt !== undefined && Date.now() - readyAt >= HEALTHY_AFTER_MS;
    crashesInARow = wasHealthy ? 1 : crashesInARow + 1;
    const delayMs = restartDelayMs(crashesInARow);
    logger.warn({ shard: shard.id, crashesInARow, restartInMs: delayMs }, 'restarting the shard');
    setTimeout(() => {
      if (options.isStopping()) return;
      shard.spawn(options.spawnTimeoutMs).then(
        () => logger.info({ shard: shard.id }, 'shard restarted'),
        (error: unknown) => {
          if (options.isStopping()) return;
          logger.error({ err: error, shard: shard.id }, 'the shard could not restart');
          // Died already (its death scheduled the next try), or still starting after the timeout: end it, and its death will.
          shard.process?.kill('SIGKILL');
        },
      );
    }, delayMs);
  });
}
