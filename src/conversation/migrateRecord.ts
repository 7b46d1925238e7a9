import type { BlobStore } from '../store/blobStore.js';
import type { ConversationRecord, StoredPart } from './conversationRecord.js';

/**
 * Brings a record written by an older version up to today's shape: records
 * from before image lengths were kept get them from the blob store, so a
 * turn can fit the history to the request budget from the record alone.
 * Undefined when there is nothing to add: the record is current (the usual
 * case, no I/O), or its images without a length are gone from the store
 * (the turn finds them missing and goes on without the history).
 */
export async function migrateRecord(record: ConversationRecord, blobs: BlobStore): Promise<ConversationRecord | undefined> {
  const lacking = record.exchanges.some((exchange) => [...exchange.user.parts, ...exchange.model.parts].some(lacksLength));
  if (!lacking) return undefined;
  const withLength = async (part: StoredPart): Promise<StoredPart> => {
    if (!part.blob || !lacksLength(part)) return part;
    const base64 = await blobs.get(part.blob.sha256);
    return base64 === undefined ? part : { ...part, blob: { ...part.blob, length: base64.length } };
  };
  let added = false;
  const withAddedLength = async (part: StoredPart): Promise<StoredPart> => {
    const migrated = await withLength(part);
    if (migrated !== part) added = true;
    return migrated;
  };
  const exchanges = [];
  // One image at a time: an old thread's images together can be tens of megabytes.
  for (const exchange of record.exchanges) {
    const user = [];
    for (const part of exchange.user.parts) user.push(await withAddedLength(part));
    const model = [];
    for (const part of exchange.model.parts) model.push(await withAddedLength(part));
    exchanges.push({ ...exchange, user: { ...exchange.user, parts: user }, model: { ...exchange.model, parts: model } });
  }
  return added ? { ...record, exchanges } : undefined;
}

function lacksLength(part: StoredPart): boolean {
  return part.blob !== undefined && part.blob.length === undefined;
}
