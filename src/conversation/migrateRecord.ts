import type { BlobStore } from '../store/blobStore.js';
import type { ConversationRecord, StoredPart } from './conversationRecord.js';

/**
 * Brings a record written by an older version up to today's shape: records
 * from before image lengths were kept get them from the blob store, so a
 * turn can fit the history to the request budget from the record alone.
 * Undefined when the record is already current (the usual case, no I/O).
 * A blob that is missing keeps no length: the turn finds it missing anyway.
 */
export async function migrateRecord(record: ConversationRecord, blobs: BlobStore): Promise<ConversationRecord | undefined> {
  const lacking = record.exchanges.some((exchange) => [...exchange.user.parts, ...exchange.model.parts].some(lacksLength));
  if (!lacking) return undefined;
  const withLength = async (part: StoredPart): Promise<StoredPart> => {
    if (!part.blob || !lacksLength(part)) return part;
    const base64 = await blobs.get(part.blob.sha256);
    return base64 === undefined ? part : { ...part, blob: { ...part.blob, length: base64.length } };
  };
  const exchanges = [];
  // One image at a time: an old thread's images together can be tens of megabytes.
  for (const exchange of record.exchanges) {
    const user = [];
    for (const part of exchange.user.parts) user.push(await withLength(part));
    const model = [];
    for (const part of exchange.model.parts) model.push(await withLength(part));
    exchanges.push({ ...exchange, user: { ...exchange.user, parts: user }, model: { ...exchange.model, parts: model } });
  }
  return { ...record, exchanges };
}

function lacksLength(part: StoredPart): boolean {
  return part.blob !== undefined && part.blob.length === undefined;
}
