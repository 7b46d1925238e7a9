import type { Logger } from 'pino';
import type { AttachmentPolicy } from '../attachments/fetchAttachment.js';
import type { Config } from '../config/config.js';
import type { EngineDependencies } from '../turn/engineDependencies.js';
import type { GenerationQueue } from '../conversation/generationQueue.js';
import type { ThreadQueue } from '../conversation/threadQueue.js';
import type { BotMetrics } from '../metrics/botMetrics.js';
import type { GuildSettings } from '../settings/guildSettings.js';
import type { UsageLedger } from '../usage/usageLedger.js';

/** What every handler may use; built once in startBot and passed down, never imported as a global. */
export interface BotContext extends EngineDependencies {
  config: Config;
  logger: Logger;
  attachments: AttachmentPolicy;
  /** Serializes turns per thread, across processes when the store is shared. */
  threadQueue: ThreadQueue;
  /** Bounds Gemini calls across the bot, fairly. */
  generationQueue: GenerationQueue;
  /** Per-server choices made with /settings, merged with the environment's defaults. */
  guildSettings: GuildSettings;
  /** Records every generation's cost and holds budgets and daily limits (reserve before Gemini, then commit or cancel). */
  usage: UsageLedger;
  /** Prometheus counters; served on /metrics when METRICS_PORT is set. */
  metrics: BotMetrics;
  /** Aborted when the bot shuts down: waits and Gemini calls give up. */
  shutdownSignal: AbortSignal;
  /**
   * True for the one process that should handle this Discord event (a
   * message id). Two processes connected as the same shard, as in a rolling
   * deploy, both receive every message; only the first to claim answers.
   */
  claimEvent(eventId: string): Promise<boolean>;
}
