import { inlineImagePart, type GeminiContent, type GeminiPart } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { BlobStore } from '../store/blobStore.js';
import type { ConversationRecord, Exchange } from './conversationRecord.js';
import { restoreParts } from './storedParts.js';

export type ReplayedHistory = { ok: true; contents: GeminiContent[] } | { ok: false; missingBlob: string };

/** Every stored turn back in wire form: user parts, then the model's content exactly as received. */
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
export function finalImagesOf(modelContent: GeminiContent | undefined): GeminiPart[] {
  if (!modelContent) return [];
  return modelContent.parts.flatMap((part) => {
    if (part['thought'] === true) return [];
    const inline = readInlineData(part);
    return inline?.mimeType ? [inlineImagePart(inline.mimeType, inline.data)] : [];
  });
}

/** The exchange a turn edits: the one whose message was replied to, else the latest. */
export function editTargetIndex(record: ConversationRecord | undefined, replyToMessageId: string | undefined): number {
  if (!record || record.exchanges.length === 0) return -1;
  const replied = replyToMessageId ? record.exchanges.findIndex((exchange: Exchange) => exchange.model.messageId === replyToMessageId) : -1;
  return replied >= 0 ? replied : record.exchanges.length - 1;
}
