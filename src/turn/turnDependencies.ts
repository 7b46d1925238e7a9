import type { AttachmentPolicy } from '../attachments/fetchAttachment.js';
import type { Config } from '../config/config.js';
import type { GenerationQueue } from '../conversation/generationQueue.js';
import type { ThreadQueue } from '../conversation/threadQueue.js';
import type { BotMetrics } from '../metrics/botMetrics.js';
import type { UsageLedger } from '../usage/usageLedger.js';
import type { EngineDependencies } from './engineDependencies.js';

/** What running a turn uses, beyond the engine: its lines, limits and meters. The Discord side's BotContext adds its own. */
export interface TurnDependencies extends EngineDependencies {
  /** What the turn reads of the configuration: the models on offer, and how many requests one member may have going. */
  config: Pick<Config, 'allowedModels' | 'maxRequestsPerUser'>;
  attachments: AttachmentPolicy;
  /** Serializes turns per thread, across processes when the store is shared. */
  threadQueue: ThreadQueue;
  /** Bounds Gemini calls across the bot, fairly. */
  generationQueue: GenerationQueue;
  /** Records every generation's cost and holds budgets and daily limits (reserve before Gemini, then commit or cancel). */
  usage: UsageLedger;
  metrics: BotMetrics;
  /** Aborted when the bot shuts down: waits and Gemini calls give up. */
  shutdownSignal: AbortSignal;
}
