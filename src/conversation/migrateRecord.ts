import type { BlobStore } from '../store/blobStore.js';
import { CURRENT_RECORD_VERSION, type ConversationRecord, type Exchange, type StoredPart } from './conversationRecord.js';
import type { ExchangeV1, PartV1, RecordV1, StoredRecord } from './olderRecords.js';

/**
 * Brings a record written by an earlier build up to the current version, so
 * no turn needs a branch for old records; ConversationStore.load calls it
 * on every read, and the thread's line writes the result back
 * (loadConversation), so it runs once per record.
 *
 * From versions 1 and 2: each image gets the length of its base64 text
 * from the blob store (a turn budgets the history from the record alone),
 * or is marked `gone` when the store no longer has it (a history with such
 * an image cannot be replayed; marked once, so the store is not asked
 * again); a turn's options absent means none chosen (what those turns
 * asked); an Interactions turn that does not say what it built on built on
 * the turn before it (the latest then; nothing for a thread's first turn).
 */
export async function migrateRecord(stored: StoredRecord, blobs: BlobStore): Promise<ConversationRecord> {
  if (stored.version === CURRENT_RECORD_VERSION) return stored;
  return fromVersion1(stored, blobs);
}

async function fromVersion1(record: RecordV1, blobs: BlobStore): Promise<ConversationRecord> {
  const exchanges: Exchange[] = [];
  // One image at a time: an old thread's images together can be tens of megabytes.
  for (const [index, exchange] of record.exchanges.entries()) exchanges.push(await exchangeFromVersion1(exchange, record.exchanges[index - 1], blobs));
  return { ...record, version: CURRENT_RECORD_VERSION, exchanges };
}

async function exchangeFromVersion1(exchange: ExchangeV1, previous: ExchangeV1 | undefined, blobs: BlobStore): Promise<Exchange> {
  const { interaction, settings, ...rest } = exchange;
  const builtOn = interaction?.builtOn ?? previous?.model.messageId;
  return {
    ...rest,
    user: { ...exchange.user, parts: await partsFromVersion1(exchange.user.parts, blobs) },
    model: { ...exchange.model, parts: await partsFromVersion1(exchange.model.parts, blobs) },
    settings: settings ?? {},
    ...(interaction ? { interaction: { ...interaction, ...(builtOn ? { builtOn } : {}) } } : {}),
  };
}

async function partsFromVersion1(parts: PartV1[], blobs: BlobStore): Promise<StoredPart[]> {
  const migrated: StoredPart[] = [];
  for (const part of parts) {
    if (!part.blob) {
      migrated.push({ raw: part.raw });
      continue;
    }
    const { sha256, field, length } = part.blob;
    if (length !== undefined) {
      migrated.push({ raw: part.raw, blob: { sha256, field, length } });
      continue;
    }
    const base64 = await blobs.get(sha256);
    migrated.push({ raw: part.raw, blob: base64 === undefined ? { sha256, field, gone: true } : { sha256, field, length: base64.length } });
  }
  return migrated;
}
