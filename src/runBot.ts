import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { startBot } from './startBot.js';

/** Process managers kill a process about 10 s after SIGTERM; exiting ourselves first keeps the exit code ours. */
const HARD_EXIT_MS = 9_500;

/**
 * Runs the bot in this process until SIGTERM or SIGINT, then stops it and
 * exits (0 when the stop was clean). Returns the shutdown, for other reasons
 * to stop (a shard whose manager is gone). A failed start exits 1.
 */
export async function runBot(config: Config, logger: Logger): Promise<(reason: string) => void> {
  let bot: Awaited<ReturnType<typeof startBot>>;
  try {
    bot = await startBot(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'the bot could not start');
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    setTimeout(() => process.exit(1), HARD_EXIT_MS).unref();
    bot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return shutdown;
}
