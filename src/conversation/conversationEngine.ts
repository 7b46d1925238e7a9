import type { Logger } from 'pino';
import type { BlobStore } from '../store/blobStore.js';
import { buildGenerateRequest } from '../gemini/buildGenerateRequest.js';
import { callWithRetries, type RetriedCall, type RetryOptions } from '../gemini/callWithRetries.js';
import type { GeminiClientOptions } from '../gemini/geminiClient.js';
import { inlineImagePart, type GeminiContent, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import { parseGenerateResponse } from '../gemini/parseGenerateResponse.js';
import type { ConversationRecord, Exchange } from './conversationRecord.js';
import type { ConversationStore } from './conversationStore.js';
import { fitHistoryToBudget } from './fitHistoryToBudget.js';
import { restoreParts, storeParts } from './storedParts.js';
import type { TurnOutcome } from './turnOutcome.js';

export interface EngineDependencies {
  conversations: ConversationStore;
  blobs: BlobStore;
  gemini: GeminiClientOptions;
  retryBaseDelayMs: number;
  historyBudgetBytes: number;
  logger: Logger;
}

export interface TurnInput {
  record: ConversationRecord | undefined;
  userParts: GeminiPart[];
  model: string;
  settings: ImageSettings;
}

/** How a turn waits: for a Gemini slot, between retries, and for shutdown. */
export interface TurnHooks {
  /** Resolves false when the turn must give up waiting (shutdown). */
  waitForSlot(): Promise<boolean>;
  releaseSlot(): void;
  signal?: AbortSignal | undefined;
  onRetry?: RetryOptions['onRetry'];
}

export interface GeneratedTurn {
  outcome: TurnOutcome;
  retries: number;
  /** Oldest exchanges left out to stay under the request budget. */
  droppedExchanges: number;
}

/** Sends the conversation so far plus the new user turn to Gemini and classifies the answer. */
export async function generateTurn(deps: EngineDependencies, input: TurnInput, hooks: TurnHooks): Promise<GeneratedTurn> {
  const done = (outcome: TurnOutcome, retries = 0, droppedExchanges = 0): GeneratedTurn => ({ outcome, retries, droppedExchanges });
  const history = input.record ? await replayHistory(input.record, deps.blobs) : { ok: true as const, contents: [] };
  if (!history.ok) {
    deps.logger.error({ threadId: input.record?.threadId, missingBlob: history.missingBlob }, 'conversation history has a missing image blob');
    return done({ kind: 'history-unreadable' });
  }
  const fitted = fitHistoryToBudget(history.contents, { role: 'user', parts: input.userParts }, deps.historyBudgetBytes);
  if (!fitted) return done({ kind: 'history-too-large' });
  const body = buildGenerateRequest(fitted.contents, input.settings);

  if (!(await hooks.waitForSlot())) return done({ kind: 'failed', failure: { kind: 'interrupted' } });
  let call: RetriedCall;
  try {
    call = await callWithRetries(deps.gemini, input.model, body, {
      baseDelayMs: deps.retryBaseDelayMs,
      signal: hooks.signal,
      onRetry: hooks.onRetry,
    });
  } finally {
    hooks.releaseSlot();
  }
  const outcome: TurnOutcome = call.result.ok ? parseGenerateResponse(call.result.json) : { kind: 'failed', failure: call.result.failure };
  return done(outcome, call.retries, fitted.droppedExchanges);
}

/** Every stored turn back in wire form: user parts, then the model's content exactly as received. */
export async function replayHistory(
  record: ConversationRecord,
  blobs: BlobStore,
): Promise<{ ok: true; contents: GeminiContent[] } | { ok: false; missingBlob: string }> {
  const contents: GeminiContent[] = [];
  for (const exchange of record.exchanges) {
    const user = await restoreParts(exchange.user.parts, blobs);
    if (!user.ok) return user;
    const model = await restoreParts(exchange.model.parts, blobs);
    if (!model.ok) return model;
    contents.push({ role: 'user', parts: user.parts });
    contents.push({ ...exchange.model.contentFields, role: 'model', parts: model.parts });
  }
  return { ok: true, contents };
}

/**
 * The final images of an earlier answer, as user parts: replying to an older
 * image re-sends it so the edit applies to what was replied to, not to the
 * latest image.
 */
export async function imagesOfExchange(exchange: Exchange, blobs: BlobStore): Promise<GeminiPart[]> {
  const restored = await restoreParts(exchange.model.parts, blobs);
  if (!restored.ok) return [];
  const images: GeminiPart[] = [];
  for (const part of restored.parts) {
    if (part['thought'] === true) continue;
    const inline = (part['inlineData'] ?? part['inline_data']) as Record<string, unknown> | undefined;
    const mimeType = inline?.['mimeType'] ?? inline?.['mime_type'];
    if (typeof inline?.['data'] === 'string' && typeof mimeType === 'string') {
      images.push(inlineImagePart(mimeType, inline['data']));
    }
  }
  return images;
}

export interface NewExchange {
  record: ConversationRecord | undefined;
  threadId: string;
  guildId: string;
  model: string;
  settings: ImageSettings;
  authorId: string;
  userParts: GeminiPart[];
  modelContent: GeminiContent;
  messageId: string;
  now: Date;
}

/** Appends one answered turn and saves the record; throws if the store fails. */
export async function saveExchange(deps: EngineDependencies, input: NewExchange): Promise<ConversationRecord> {
  const { parts: modelParts, ...contentFields } = input.modelContent;
  const timestamp = input.now.toISOString();
  const exchange: Exchange = {
    user: { authorId: input.authorId, parts: await storeParts(input.userParts, deps.blobs) },
    model: { contentFields, parts: await storeParts(modelParts, deps.blobs), messageId: input.messageId },
    createdAt: timestamp,
  };
  const record: ConversationRecord = input.record
    ? { ...input.record, exchanges: [...input.record.exchanges, exchange], updatedAt: timestamp }
    : {
        version: 1,
        threadId: input.threadId,
        guildId: input.guildId,
        model: input.model,
        settings: compactSettings(input.settings),
        exchanges: [exchange],
        createdAt: timestamp,
        updatedAt: timestamp,
      };
  await deps.conversations.save(record);
  return record;
}

function compactSettings(settings: ImageSettings): ConversationRecord['settings'] {
  return {
    ...(settings.aspectRatio ? { aspectRatio: settings.aspectRatio } : {}),
    ...(settings.imageSize ? { imageSize: settings.imageSize } : {}),
  };
}
