import type { Logger } from 'pino';
import type { BlobStore } from '../store/blobStore.js';
import { buildGenerateRequest } from '../gemini/buildGenerateRequest.js';
import { callGenerateContent, type GeminiClientOptions } from '../gemini/geminiClient.js';
import { inlineImagePart, type GeminiContent, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import { parseGenerateResponse } from '../gemini/parseGenerateResponse.js';
import type { ConversationRecord, Exchange } from './conversationRecord.js';
import type { ConversationStore } from './conversationStore.js';
import { restoreParts, storeParts } from './storedParts.js';
import type { TurnOutcome } from './turnOutcome.js';

export interface EngineDependencies {
  conversations: ConversationStore;
  blobs: BlobStore;
  gemini: GeminiClientOptions;
  logger: Logger;
}

export interface TurnInput {
  record: ConversationRecord | undefined;
  userParts: GeminiPart[];
  model: string;
  settings: ImageSettings;
}

/** Sends the whole conversation plus the new user turn to Gemini and classifies the answer. */
export async function generateTurn(deps: EngineDependencies, input: TurnInput): Promise<TurnOutcome> {
  const history = input.record ? await replayHistory(input.record, deps.blobs) : { ok: true as const, contents: [] };
  if (!history.ok) {
    deps.logger.error({ threadId: input.record?.threadId, missingBlob: history.missingBlob }, 'conversation history has a missing image blob');
    return { kind: 'history-unreadable' };
  }
  const body = buildGenerateRequest([...history.contents, { role: 'user', parts: input.userParts }], input.settings);
  const call = await callGenerateContent(deps.gemini, input.model, body);
  if (!call.ok) return { kind: 'failed', failure: call.failure };
  return parseGenerateResponse(call.json);
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
