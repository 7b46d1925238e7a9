import { inlineImagePart, type GeminiContent, type GeminiPart } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { Exchange } from './conversationRecord.js';
import { StoredImagePart, wireFields, type OutgoingContent, type OutgoingPart } from './outgoingParts.js';

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

/** The exchange a turn edits: the one whose message was replied to, else the latest (-1 when there is none). */
export function editTargetIndex(exchanges: readonly Exchange[], replyToMessageId: string | undefined): number {
  const replied = replyToMessageId === undefined ? -1 : indexOfMessage(exchanges, replyToMessageId);
  return replied >= 0 ? replied : exchanges.length - 1;
}

/** The position of the exchange whose answer a bot message shows, or -1. */
export function indexOfMessage(exchanges: readonly Exchange[], messageId: string): number {
  return exchanges.findIndex((exchange) => exchange.model.messageId === messageId);
}
