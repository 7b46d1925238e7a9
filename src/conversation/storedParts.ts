import type { BlobStore } from '../store/blobStore.js';
import type { GeminiPart } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';
import { isGone, type StoredPart } from './conversationRecord.js';
import { StoredImagePart, type OutgoingPart } from './outgoingParts.js';

/** An image whose base64 text was decoded already (the answer check's): its bytes are not decoded again to be stored. */
export interface DecodedImage {
  base64: string;
  bytes: Buffer;
}

/** Moves each inline image's bytes to the blob store; everything else is kept as is. */
export async function storeParts(parts: OutgoingPart[], blobs: BlobStore, decoded: readonly DecodedImage[] = []): Promise<StoredPart[]> {
  const stored: StoredPart[] = [];
  for (const part of parts) {
    // Already in the store (an image re-sent from the history): only the reference is kept.
    if (part instanceof StoredImagePart) {
      stored.push({ raw: structuredClone(part.raw), blob: { ...part.blob } });
      continue;
    }
    const inline = readInlineData(part);
    if (!inline) {
      stored.push({ raw: structuredClone(part) });
      continue;
    }
    const field = inline.field;
    const { sha256, length } = await blobs.put(inline.data, decoded.find((image) => image.base64 === inline.data)?.bytes);
    // Keep the key in its place (data: '') so the replayed part has the same key order.
    stored.push({ raw: { ...part, [field]: { ...(part[field] as object), data: '' } }, blob: { sha256, field, length } });
  }
  return stored;
}

export type RestoreResult = { ok: true; parts: GeminiPart[] } | { ok: false; missingBlob: string };

/** The exact wire parts back, image bytes included. */
export async function restoreParts(stored: StoredPart[], blobs: BlobStore): Promise<RestoreResult> {
  const parts: GeminiPart[] = [];
  for (const part of stored) {
    if (!part.blob) {
      parts.push(part.raw);
      continue;
    }
    const base64 = isGone(part.blob) ? undefined : await blobs.get(part.blob.sha256);
    if (base64 === undefined) return { ok: false, missingBlob: part.blob.sha256 };
    const inline = part.raw[part.blob.field] as Record<string, unknown>;
    parts.push({ ...part.raw, [part.blob.field]: { ...inline, data: base64 } });
  }
  return { ok: true, parts };
}
