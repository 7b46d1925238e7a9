import { inlineImagePart, type GeminiContent, type GeminiPart } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { BlobStore } from '../store/blobStore.js';
import { findExchangeByMessage, type ConversationRecord, type Exchange } from './conversationRecord.js';
import { outgoingParts, StoredImagePart, wireFields, type OutgoingContent, type OutgoingPart } from './outgoingParts.js';
import { restoreParts } from './storedParts.js';

export type ReplayedHistory = { ok: true; contents: GeminiContent[] } | { ok: false; missingBlob: string };

/**
 * Every stored turn as it will be sent, images left in the store until the
 * request body streams them: user parts, then the model's content exactly
 * as received.
 */
export function storedHistory(exchanges: Exchange[]): OutgoingContent[] {
  return exchanges.flatMap((exchange) => [
    { role: 'user' as const, parts: outgoingParts(exchange.user.parts) },
    { ...exchange.model.contentFields, role: 'model' as const, parts: outgoingParts(exchange.model.parts) },
  ]);
}

/** Every stored turn back in wire form, images loaded: user parts, then the model's content exactly as received. */
export async function replayHistory(record: ConversationRecord, blobs: BlobStore): Promise<ReplayedHistory> {
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
 * The final images of an earlier answer, as user parts: an edit of an image
 * that is not the last thing in the history re-sends it, so the edit applies
 * to what the user pointed at.
 */
export function finalImagesOf(modelContent: GeminiContent | undefined): GeminiPart[];
export function finalImagesOf(modelContent: OutgoingContent | undefined): OutgoingPart[];
export function finalImagesOf(modelContent: OutgoingContent | undefined): OutgoingPart[] {
  if (!modelContent) return [];
  return modelContent.parts.flatMap((part): OutgoingPart[] => {
    const stored = part instanceof StoredImagePart;
    const wire = wireFields(part);
    if (wire['thought'] === true) return [];
    const inline = readInlineData(wire);
    if (!inline?.mimeType) return [];
    // Re-sent as a user part in camelCase, like every part we build; a stored one stays in the store until sent.
    return stored ? [new StoredImagePart(inlineImagePart(inline.mimeType, ''), { ...part.blob, field: 'inlineData' })] : [inlineImagePart(inline.mimeType, inline.data)];
  });
}

/** The exchange a turn edits: the one whose message was replied to, else the latest. */
export function editTargetIndex(record: ConversationRecord | undefined, replyToMessageId: string | undefined): number {
  if (!record || record.exchanges.length === 0) return -1;
  const replied = replyToMessageId ? findExchangeByMessage(record, replyToMessageId) : undefined;
  return replied?.index ?? record.exchanges.length - 1;
}
