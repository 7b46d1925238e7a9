import type { BlobStore } from '../store/blobStore.js';
import { CURRENT_RECORD_VERSION, interactionOf, isGone, type ConversationRecord, type Exchange, type StepImage, type StoredInteraction, type StoredStep } from './conversationRecord.js';
import type { ExchangeV1, ExchangeV3, PartV1, PartV3, RecordV1, RecordV3, StoredRecord } from './olderRecords.js';
import { isRecord } from '../gemini/isRecord.js';

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
 *
 * From version 3: an answer says which API sent it. An Interactions answer
 * (one with an interaction) kept its steps flattened into pseudo-parts; they
 * become the steps again, exactly as Google sent them, each image where its
 * item is, and the interaction moves in with them.
 */
export async function migrateRecord(stored: StoredRecord, blobs: BlobStore): Promise<ConversationRecord> {
  switch (stored.version) {
    case CURRENT_RECORD_VERSION:
      return stored;
    case 3:
      return fromVersion3(stored);
    case 1:
    case 2:
      return fromVersion3(await fromVersion1(stored, blobs));
  }
}

async function fromVersion1(record: RecordV1, blobs: BlobStore): Promise<RecordV3> {
  const exchanges: ExchangeV3[] = [];
  // One image at a time: an old thread's images together can be tens of megabytes.
  for (const [index, exchange] of record.exchanges.entries()) exchanges.push(await exchangeFromVersion1(exchange, record.exchanges[index - 1], blobs));
  return { ...record, version: 3, exchanges };
}

async function exchangeFromVersion1(exchange: ExchangeV1, previous: ExchangeV1 | undefined, blobs: BlobStore): Promise<ExchangeV3> {
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

async function partsFromVersion1(parts: PartV1[], blobs: BlobStore): Promise<PartV3[]> {
  const migrated: PartV3[] = [];
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

function fromVersion3(record: RecordV3): ConversationRecord {
  return { ...record, version: CURRENT_RECORD_VERSION, exchanges: record.exchanges.map(exchangeFromVersion3) };
}

function exchangeFromVersion3({ interaction, model, ...exchange }: ExchangeV3): Exchange {
  if (!interaction) return { ...exchange, model: { api: 'generate-content', contentFields: model.contentFields, parts: model.parts, messageId: model.messageId } };
  return { ...exchange, model: { api: 'interactions', steps: stepsFromParts(model.parts), interaction, messageId: model.messageId } };
}

/** The steps an Interactions answer was flattened from (version 3's stepsToContent), exactly, each image's place named. */
function stepsFromParts(parts: PartV3[]): StoredStep[] {
  const steps: Array<{ raw: Record<string, unknown>; images: StepImage[] }> = [];
  for (const { raw, blob } of parts) {
    if (isRecord(raw['step'])) {
      const field = raw['items'];
      steps.push({ raw: { ...raw['step'], ...(field === 'summary' || field === 'content' ? { [field]: [] } : {}) }, images: [] });
      continue;
    }
    const step = steps.at(-1);
    const field = raw['in'];
    if (!step || (field !== 'summary' && field !== 'content') || !isRecord(raw['item'])) continue;
    const items = step.raw[field];
    if (!Array.isArray(items)) continue;
    if (blob) step.images.push(isGone(blob) ? { sha256: blob.sha256, gone: true, in: field, index: items.length } : { sha256: blob.sha256, length: blob.length, in: field, index: items.length });
    items.push(raw['item']);
  }
  return steps.map(({ raw, images }) => (images.length > 0 ? { raw, images } : { raw }));
}

/**
 * What a reader that needs no image lengths learns of a record: the thread's
 * server, channel, model and options, and the interactions Google keeps for
 * it. Read from a record of any version as it is stored, without migrating it:
 * the migration reads every image blob of an older record in full just for
 * its length, which the /imagine suggestions (on each keystroke) and a deleted
 * thread's forgetting never use.
 */
export interface RecordOutline {
  threadId: string;
  guildId: string;
  parentId?: string | undefined;
  model: string;
  settings: ConversationRecord['settings'];
  /** Each exchange's interaction, oldest first (exchanges of generateContent have none). */
  interactions: StoredInteraction[];
  forgetAtGoogle?: ConversationRecord['forgetAtGoogle'];
  /** When the record last changed: dates an owed plain id whose interaction it no longer holds (owedAtGoogle). */
  updatedAt: string;
}

export function outlineOf(stored: StoredRecord): RecordOutline {
  const { threadId, guildId, parentId, model, settings, updatedAt } = stored;
  const interactions: StoredInteraction[] =
    stored.version === CURRENT_RECORD_VERSION ? stored.exchanges.flatMap((exchange) => interactionOf(exchange) ?? []) : stored.exchanges.flatMap((exchange) => exchange.interaction ?? []);
  const forgetAtGoogle = stored.version === CURRENT_RECORD_VERSION ? stored.forgetAtGoogle : undefined;
  return { threadId, guildId, ...(parentId !== undefined ? { parentId } : {}), model, settings, interactions, ...(forgetAtGoogle ? { forgetAtGoogle } : {}), updatedAt };
}
