import { readConfigOrExit } from './config/readConfigOrExit.js';
import { createLogger } from './logging/createLogger.js';
import { runBot } from './runBot.js';

/*
 * One shard process, forked by the sharding manager (src/sharding/). discord.js
 * reads SHARDS (this shard's id) and SHARD_COUNT from the environment the
 * manager set, so the Client connects as that shard only. The manager already
 * loaded .env and validated the settings; its environment is ours.
 */
if (!process.env['SHARDING_MANAGER']) {
  console.error('dist/src/shard.js is started by the sharding manager; run `npm start` with SHARDS set instead.');
  process.exit(1);
}
const shardId = Number(process.env['SHARDS']);

// SHARDS here is discord.js's shard id, not the operator's setting, which only the manager reads.
const config = readConfigOrExit('The shard cannot start', { ...process.env, SHARDS: undefined });
// Shards share one host, so each serves /healthz and /metrics on its own port: METRICS_PORT + shard id (0 stays "any port").
if (config.metricsPort) config.metricsPort += shardId;
const logger = createLogger(config.logLevel).child({ shard: shardId });
// The IPC channel closes when the manager dies, however it died: a shard must not outlive it and answer alone.
// Listening from the first line matters: the manager may die while this shard is still starting.
let shutdown: ((reason: string) => void) | undefined;
process.once('disconnect', () => (shutdown ? shutdown('sharding manager gone') : process.exit(1)));
// The imports above load first, between turns of the event loop: a manager that died meanwhile closed the channel
// before there was a listener to hear it, and only the check after runBot (once connected) would see it.
if (!process.connected) process.exit(1);
shutdown = await runBot(config, logger);
if (!process.connected) shutdown('sharding manager gone');
