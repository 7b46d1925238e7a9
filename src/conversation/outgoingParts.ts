import type { GeminiContent, GeminiPart } from '../gemini/geminiTypes.js';
import type { BlobRef, StoredPart } from './conversationRecord.js';

export type { BlobRef };

/**
 * A part of a request whose image bytes are still in the blob store: the
 * wire part with its `data` emptied, and where the bytes are. A long
 * thread's history is tens of megabytes of base64; the request body reads
 * these one at a time while it streams (transports/streamedRequestBody.ts), so the history is
 * never all in memory at once.
 */
export class StoredImagePart {
  constructor(
    readonly raw: GeminiPart,
    readonly blob: BlobRef,
  ) {}
}

/** A part as it will be sent: on hand, or with its image still in the store. */
export type OutgoingPart = GeminiPart | StoredImagePart;

export type OutgoingContent = Omit<GeminiContent, 'parts'> & { parts: OutgoingPart[] };

/** Stored parts as they will be sent, without loading any image. */
export function outgoingParts(stored: StoredPart[]): OutgoingPart[] {
  return stored.map((part) => (part.blob ? new StoredImagePart(part.raw, part.blob) : part.raw));
}
