import { existsSync } from 'node:fs';
import { parseConfig } from './config/config.js';
import { createLogger } from './logging/createLogger.js';
import { startBot } from './startBot.js';

// A .env file is a convenience for local runs; real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(`The bot cannot start; fix these settings (see .env.example):\n${parsed.problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}

const logger = createLogger(parsed.config.logLevel);
try {
  const bot = await startBot(parsed.config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Exit within 10 s whatever happens: process managers kill us soon after.
    setTimeout(() => process.exit(1), 9_500).unref();
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
} catch (error) {
  logger.fatal({ err: error }, 'the bot could not start');
  process.exit(1);
}
