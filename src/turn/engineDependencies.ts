import type { Logger } from 'pino';
import type { GeminiClientOptions } from '../gemini/geminiClient.js';
import type { BlobStore } from '../store/blobStore.js';
import type { ConversationStore } from './conversationStore.js';

/** What the conversation engine needs; the Discord side adds its own on top (BotContext). */
export interface EngineDependencies {
  conversations: ConversationStore;
  blobs: BlobStore;
  gemini: GeminiClientOptions;
  retryBaseDelayMs: number;
  historyBudgetBytes: number;
  logger: Logger;
}
