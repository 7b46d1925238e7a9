import type { BlobStore } from '../store/blobStore.js';
import { isGone, type ConversationRecord, type Exchange, type StoredAnswer, type StoredPart } from './conversationRecord.js';
import { storedAnswerImages } from './storedParts.js';

/**
 * The record with each image the blob store no longer has marked `gone`, as
 * the migration marks one it cannot find (migrateRecord): a turn that found
 * a stored image missing while reading its history plans again from it, and
 * goes on from the exchanges after the last one that lost an image
 * (planTurn, planRequestContents). Asked all at once, without loading an
 * image. The same record back when nothing is missing.
 */
export async function markLostImages(record: ConversationRecord, blobs: Pick<BlobStore, 'hasAll'>): Promise<ConversationRecord> {
  const images = [...new Set(record.exchanges.flatMap(imagesOf).filter((image) => !isGone(image)).map((image) => image.sha256))];
  const present = await blobs.hasAll(images);
  const missing = new Set(images.filter((_, index) => !present[index]));
  if (missing.size === 0) return record;
  const lost = <Image extends { sha256: string }>(image: Image) => missing.has(image.sha256);
  const parts = (stored: StoredPart[]) => stored.map((part) => (part.blob && !isGone(part.blob) && lost(part.blob) ? { ...part, blob: { sha256: part.blob.sha256, field: part.blob.field, gone: true as const } } : part));
  const answer = (model: StoredAnswer): StoredAnswer =>
    model.api === 'generate-content'
      ? { ...model, parts: parts(model.parts) }
      : {
          ...model,
          steps: model.steps.map((step) =>
            step.images ? { ...step, images: step.images.map((image) => (!isGone(image) && lost(image) ? { sha256: image.sha256, gone: true as const, in: image.in, index: image.index } : image)) } : step,
          ),
        };
  return { ...record, exchanges: record.exchanges.map((exchange) => ({ ...exchange, user: { ...exchange.user, parts: parts(exchange.user.parts) }, model: answer(exchange.model) })) };
}

/** Whether the record says the store lost an image of this exchange (migrateRecord or markLostImages marked it gone). */
export function lostAnImage(exchange: Exchange): boolean {
  return imagesOf(exchange).some((image) => isGone(image));
}

/** Whether an exchange holds an image at all (sent or answered, kept or lost): the image a later turn works from. */
export function holdsAnImage(exchange: Exchange): boolean {
  return imagesOf(exchange).length > 0;
}

/**
 * Whether the record says every one of its images is lost (and it has one). The store
 * missing them all at once is more likely its own fault (a mistaken BLOB_URL, say) than
 * the images': such a record is set aside unmarked, never saved with them marked gone.
 */
export function lostEveryImage(record: ConversationRecord): boolean {
  const images = record.exchanges.flatMap(imagesOf);
  return images.length > 0 && images.every((image) => isGone(image));
}

function imagesOf(exchange: Exchange): Array<{ sha256: string; gone?: true }> {
  return [...exchange.user.parts.flatMap((part) => part.blob ?? []), ...storedAnswerImages(exchange.model)];
}
