// HISTORY_BUDGET_MB, the request budget a turn's history is fitted to: how big each part of a request is, and how much
// of the oldest history to leave out (planRequestContents.ts decides what a turn sends with these).
import { readInlineData } from '../gemini/inlineData.js';
import { isGone, type Exchange, type StoredAnswer } from '../conversation/conversationRecord.js';
import { lostAnImage } from '../conversation/lostImages.js';
import { outgoingParts, StoredImagePart, type OutgoingPart } from '../conversation/outgoingParts.js';

/** `{"role":"model","parts":[]}` and the comma after it, rounded up. */
const CONTENT_OVERHEAD_BYTES = 32;

/**
 * The one measure of a request's size: a content's serialized length, each
 * image's base64 counted by its length instead of serialized (megabytes
 * each), a stored image by the length kept beside it (0 when the store had
 * lost it: such an exchange is never sent). The stored history, an image re-sent with the new turn and the new
 * turn itself are all measured by it, so the budget compares like with like.
 */
export function contentBytes(parts: readonly OutgoingPart[]): number {
  return CONTENT_OVERHEAD_BYTES + partsBytes(parts);
}

/** What parts add to the content they are sent in (the member's references, once downloaded). */
export function partsBytes(parts: readonly OutgoingPart[]): number {
  let bytes = 0;
  for (const part of parts) bytes += partBytes(part) + 1; // and its comma
  return bytes;
}

/** `{"inlineData":{"mimeType":"image/jpeg","data":""}}` and its comma, rounded up. */
const INLINE_PART_OVERHEAD_BYTES = 64;

/**
 * What image files would add to a request, from the sizes they declare,
 * before a byte is downloaded: base64 makes 4 characters of every 3 bytes.
 * Never less than partsBytes measures for the same files once downloaded,
 * so a request that fits by their declared sizes is checked again only
 * when a file turned out larger than it said.
 */
export function declaredImageBytes(files: ReadonlyArray<{ size: number }>): number {
  return files.reduce((sum, file) => sum + Math.ceil(file.size / 3) * 4 + INLINE_PART_OVERHEAD_BYTES, 0);
}

/** A part as the record keeps it: its fields with the image's text emptied (`data: ''`), and that text's length. */
function partBytes(part: OutgoingPart): number {
  if (part instanceof StoredImagePart) return JSON.stringify(part.raw).length + (isGone(part.blob) ? 0 : part.blob.length);
  const inline = readInlineData(part);
  if (!inline) return JSON.stringify(part).length;
  const emptied = { ...part, [inline.field]: { ...(part[inline.field] as object), data: '' } };
  return JSON.stringify(emptied).length + inline.data.length;
}

/**
 * The request size of each stored exchange, read from the record alone (the
 * blob lengths kept beside each image), so a long thread is trimmed to the
 * budget before its images are loaded. An image the store lost counts 0:
 * its exchange is never sent (planRequestContents leaves out every exchange
 * up to the last that lost one, lostImageExchanges).
 */
export function storedExchangeSizes(exchanges: readonly Exchange[]): number[] {
  return exchanges.map((exchange) => contentBytes(outgoingParts(exchange.user.parts)) + answerBytes(exchange.model));
}

/**
 * How many of the oldest exchanges cannot be sent because an image of theirs
 * is gone from the store, or follows one that is: a replay must hold each
 * turn it sends whole, so it starts after the last exchange that lost one
 * (as the budget leaves out the oldest: at an exchange's user turn).
 */
export function lostImageExchanges(exchanges: readonly Exchange[]): number {
  return exchanges.findLastIndex(lostAnImage) + 1;
}

/** A stored answer measured as contentBytes measures a content: its steps (or parts) with image texts emptied, plus their lengths. */
function answerBytes(answer: StoredAnswer): number {
  if (answer.api === 'generate-content') return contentBytes(outgoingParts(answer.parts));
  let bytes = CONTENT_OVERHEAD_BYTES;
  for (const step of answer.steps) {
    bytes += JSON.stringify(step.raw).length + 1;
    for (const image of step.images ?? []) bytes += isGone(image) ? 0 : image.length;
  }
  return bytes;
}

/**
 * How many of the oldest exchanges to leave out so the rest plus the new turn
 * fit the budget; undefined when even the new turn alone does not.
 */
export function oldestToDrop(sizes: number[], newTurnBytes: number, budgetBytes: number): number | undefined {
  if (newTurnBytes > budgetBytes) return undefined;
  let total = newTurnBytes + sizes.reduce((sum, size) => sum + size, 0);
  let dropped = 0;
  while (total > budgetBytes && dropped < sizes.length) total -= sizes[dropped++]!;
  return dropped;
}
