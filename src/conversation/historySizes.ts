import type { GeminiContent } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { Exchange, StoredPart } from './conversationRecord.js';
import { StoredImagePart, type OutgoingPart } from './outgoingParts.js';

/**
 * The request size of each stored exchange, read from the record alone (the
 * blob lengths kept beside each image), so a long thread is trimmed to the
 * budget before its images are loaded. Undefined when an image lacks its
 * length (records are migrated on read, so only an image the store lost).
 */
export function storedExchangeSizes(exchanges: Exchange[]): number[] | undefined {
  const sizes: number[] = [];
  for (const exchange of exchanges) {
    const user = storedPartsBytes(exchange.user.parts);
    const model = storedPartsBytes(exchange.model.parts);
    if (user === undefined || model === undefined) return undefined;
    sizes.push(user + model + 64);
  }
  return sizes;
}

/** The bytes of an exchange's final (non-thought) images, as they would be re-sent with a new turn. */
export function storedFinalImageBytes(exchange: Exchange): number | undefined {
  let total = 0;
  for (const part of exchange.model.parts) {
    if (!part.blob || part.raw['thought'] === true) continue;
    if (part.blob.length === undefined) return undefined;
    total += part.blob.length + 96;
  }
  return total;
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

function storedPartsBytes(parts: StoredPart[]): number | undefined {
  let total = 32;
  for (const part of parts) {
    if (part.blob && part.blob.length === undefined) return undefined;
    total += JSON.stringify(part.raw).length + (part.blob?.length ?? 0);
  }
  return total;
}

/** The serialized size of parts as they will be sent, a stored image counted by its kept length. */
export function outgoingBytes(parts: OutgoingPart[]): number {
  let bytes = 32;
  for (const part of parts) {
    bytes += part instanceof StoredImagePart ? JSON.stringify(part.raw).length + (part.blob.length ?? 0) + 64 : approximateBytes({ role: 'user', parts: [part] }) - 32;
  }
  return bytes;
}

/** The serialized size of a content, counting inline image data without re-serializing megabytes of base64. */
export function approximateBytes(content: GeminiContent): number {
  let bytes = 32;
  for (const part of content.parts) {
    const inline = readInlineData(part);
    bytes += inline ? inline.data.length + JSON.stringify({ ...part, [inline.field]: undefined }).length + 64 : JSON.stringify(part).length;
  }
  return bytes;
}
