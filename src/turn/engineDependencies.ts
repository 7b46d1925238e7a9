import type { Logger } from 'pino';
import type { GeminiTransport } from './geminiTransport.js';
import type { BlobStore } from '../store/blobStore.js';
import type { ConversationStore } from '../conversation/conversationStore.js';

/** What the conversation engine needs; the Discord side adds its own on top (BotContext). */
export interface EngineDependencies {
  conversations: ConversationStore;
  blobs: BlobStore;
  /** Gemini behind one interface (generateContentTransport today). */
  gemini: GeminiTransport;
  historyBudgetBytes: number;
  logger: Logger;
}
