import { inlineImagePart } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { Exchange, StoredAnswer } from './conversationRecord.js';
import { StoredImagePart } from './outgoingParts.js';

/**
 * The final images of an earlier answer, as user parts still in the blob
 * store: an edit of an image that is not the last thing in the history
 * re-sends it, so the edit applies to what the user pointed at. Re-sent in
 * camelCase, like every part we build, whichever API's answer showed it.
 */
export function finalImagesOf(answer: StoredAnswer | undefined): StoredImagePart[] {
  if (!answer) return [];
  if (answer.api === 'generate-content') {
    return answer.parts.flatMap((part) => {
      if (!part.blob || part.raw['thought'] === true) return [];
      const mimeType = readInlineData(part.raw)?.mimeType;
      return mimeType ? [new StoredImagePart(inlineImagePart(mimeType, ''), { ...part.blob, field: 'inlineData' })] : [];
    });
  }
  return answer.steps.flatMap((step) => {
    if (step.raw['type'] === 'thought') return [];
    return (step.images ?? []).flatMap(({ in: field, index, ...image }) => {
      const item = (step.raw[field] as Array<Record<string, unknown>> | undefined)?.[index];
      const mimeType = item?.['mime_type'];
      return typeof mimeType === 'string' ? [new StoredImagePart(inlineImagePart(mimeType, ''), { ...image, field: 'inlineData' })] : [];
    });
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
