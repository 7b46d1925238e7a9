import path from 'node:path';
import { readConfigOrExit } from './config/readConfigOrExit.js';
import { createLogger } from './logging/createLogger.js';
import { runBot } from './runBot.js';
import { runShardingManager } from './sharding/runShardingManager.js';

const config = readConfigOrExit('The bot cannot start');
const logger = createLogger(config.logLevel);
if (config.shards === undefined) {
  await runBot(config, logger);
} else {
  // The manager only spawns and stops shard processes; each of them is the whole bot for its share of servers.
  await runShardingManager(config, logger, path.join(import.meta.dirname, 'shard.js'));
}
