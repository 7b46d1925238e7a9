import type { Logger } from 'pino';
import type { AttachmentPolicy } from '../attachments/fetchAttachment.js';
import type { Config } from '../config/config.js';
import type { ConversationStore } from '../conversation/conversationStore.js';
import type { GeminiSlots } from '../limits/geminiSlots.js';
import type { ThreadQueue } from '../lines/threadQueue.js';
import type { BotMetrics } from '../metrics/botMetrics.js';
import type { BlobStore } from '../store/blobStore.js';
import type { UsageBudget } from '../limits/usageBudget.js';
import type { GeminiTransport } from './geminiTransport.js';

/**
 * What running a turn uses, all of it: runTurn hands each step only the
 * part it needs (generateTurn, deliverAndStore, loadConversation, the
 * references). The Discord side's BotContext adds its own.
 */
export interface TurnDependencies {
  /**
   * What the turn reads of the configuration: the models on offer and what each makes, and how many requests one
   * member may have going; and how long Google keeps an interaction (a Delete stops asking for one past it).
   */
  config: Pick<Config, 'allowedModels' | 'imageModels' | 'maxRequestsPerUser' | 'interactionRetentionMs'>;
  conversations: ConversationStore;
  blobs: BlobStore;
  /** Gemini behind one interface (src/transports/: generateContent, or the Interactions API). */
  gemini: GeminiTransport;
  /** The most a request to Gemini may weigh; the oldest exchanges are left out to stay under it. */
  historyBudgetBytes: number;
  attachments: AttachmentPolicy;
  /** Serializes turns per thread, across processes when the store is shared. */
  threadQueue: ThreadQueue;
  /** The Gemini slots, handed out fairly, and each member's in-flight limit (src/limits/). */
  geminiSlots: GeminiSlots;
  /** Records every generation's cost and holds budgets and daily limits (reserve before Gemini, then commit or cancel). */
  usage: UsageBudget;
  metrics: BotMetrics;
  logger: Logger;
  /** Aborted when the bot shuts down: waits and Gemini calls give up. */
  shutdownSignal: AbortSignal;
}
