import type { BlobStore } from '../store/blobStore.js';
import { readInlineData } from '../gemini/inlineData.js';
import { itemsFieldOf, type InteractionStep } from '../gemini/interactionSteps.js';
import type { ModelAnswer } from '../gemini/modelAnswer.js';
import type { BlobRef, StepImage, StoredAnswer, StoredPart, StoredStep } from './conversationRecord.js';
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
    const image = await storeImage(inline.data, blobs, decoded);
    // Keep the key in its place (data: '') so the replayed part has the same key order.
    stored.push({ raw: { ...part, [field]: { ...(part[field] as object), data: '' } }, blob: { ...image, field } });
  }
  return stored;
}

/**
 * An Interactions answer's steps as stored: each exactly as received, its
 * image items' bytes moved to the blob store (`data` emptied in place, so
 * the replayed item keeps its key order).
 */
async function storeSteps(steps: readonly InteractionStep[], blobs: BlobStore, decoded: readonly DecodedImage[] = []): Promise<StoredStep[]> {
  const stored: StoredStep[] = [];
  for (const step of steps) {
    const field = itemsFieldOf(step);
    const images: StepImage[] = [];
    const items: unknown[] = [];
    for (const [index, item] of (field ? (step[field] as unknown[]) : []).entries()) {
      const fields = item as Record<string, unknown>;
      const data = fields['data'];
      if (fields['type'] !== 'image' || typeof data !== 'string' || data === '') {
        items.push(structuredClone(item));
        continue;
      }
      images.push({ ...(await storeImage(data, blobs, decoded)), in: field!, index });
      items.push({ ...fields, data: '' });
    }
    const raw = field ? withItems(step, field, items) : structuredClone(step);
    stored.push(images.length > 0 ? { raw, images } : { raw });
  }
  return stored;
}

/** The answer as stored, exactly as received but its images, which go to the blob store (an Interactions answer with its interaction). */
export async function storeAnswer(answer: ModelAnswer, blobs: BlobStore, decoded: readonly DecodedImage[] = []): Promise<DistributiveOmit<StoredAnswer, 'messageId'>> {
  if (answer.api === 'generate-content') {
    const { parts, ...contentFields } = answer.content;
    return { api: answer.api, contentFields, parts: await storeParts(parts, blobs, decoded) };
  }
  const { id, createdAt, builtOn, outdated } = answer.interaction;
  const interaction = { id, createdAt, ...(builtOn ? { builtOn } : {}), ...(outdated ? { outdated } : {}) };
  return { api: answer.api, steps: await storeSteps(answer.steps, blobs, decoded), interaction };
}

/**
 * A copy of the step with `items` in place of its items field, keys in their
 * order. Only the other fields are cloned: cloning the items too would copy
 * each image's megabytes of base64 only to drop them.
 */
function withItems(step: InteractionStep, field: string, items: unknown[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(step).map(([key, value]) => [key, key === field ? items : structuredClone(value)]));
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** One image into the blob store: the one place both answer shapes and the user's parts put image bytes. */
async function storeImage(base64: string, blobs: BlobStore, decoded: readonly DecodedImage[]): Promise<{ sha256: string; length: number }> {
  return blobs.put(base64, decoded.find((image) => image.base64 === base64)?.bytes);
}

/** Every image a stored answer keeps in the blob store. */
export function storedAnswerImages(answer: StoredAnswer): Array<BlobRef | StepImage> {
  return answer.api === 'generate-content' ? answer.parts.flatMap((part) => (part.blob ? [part.blob] : [])) : answer.steps.flatMap((step) => step.images ?? []);
}
