import { z } from 'zod';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../gemini/imageOptions.js';

/**
 * Where a part's image bytes are in the blob store: under `sha256`, put back
 * into the part's `field`. `length` (of the base64 text) lets a turn fit a
 * history to the budget, and give the body's exact length, from the record
 * alone. `gone`: the store no longer had the image when an older record was
 * migrated (migrateRecord), so its length is unknown; said once, so no later
 * read asks the store again. A history holding one cannot be replayed.
 */
const blobRefSchema = z.union([
  z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), field: z.enum(['inlineData', 'inline_data']), length: z.number().int().nonnegative() }),
  z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), field: z.enum(['inlineData', 'inline_data']), gone: z.literal(true) }),
]);
export type BlobRef = z.infer<typeof blobRefSchema>;
export type StoredBlob = Extract<BlobRef, { length: number }>;

/** Whether the store had lost this image when its record was migrated. */
export function isGone(blob: BlobRef): blob is Extract<BlobRef, { gone: true }> {
  return 'gone' in blob;
}

/**
 * A part as stored: the wire part with any inline image `data` emptied and
 * moved to the blob store (see BlobStore); `blob` says where to put it back.
 */
const storedPartSchema = z.object({
  raw: z.record(z.string(), z.unknown()),
  blob: blobRefSchema.optional(),
});
export type StoredPart = z.infer<typeof storedPartSchema>;

/**
 * One user turn and Gemini's answer to it. Only answered turns are stored, so
 * a failed or refused request never leaves the history unreplayable.
 */
const imageSettingsSchema = z.object({
  aspectRatio: z.enum(ASPECT_RATIOS).optional(),
  imageSize: z.enum(IMAGE_SIZES).optional(),
});

const exchangeSchema = z.object({
  user: z.object({
    authorId: z.string(),
    parts: z.array(storedPartSchema),
  }),
  model: z.object({
    /** The candidate's `content` minus its parts, kept for an exact replay. */
    contentFields: z.record(z.string(), z.unknown()),
    parts: z.array(storedPartSchema),
    /** The bot message that shows this answer's images. */
    messageId: z.string(),
  }),
  /** The image options this turn was made with (a reroll redoes it with them). */
  settings: imageSettingsSchema,
  /**
   * The interaction Google keeps for this answer (GEMINI_API=interactions;
   * absent for generateContent answers and older records): the next turn
   * continues from its id while it is younger than the retention. The model
   * content then holds the interaction's steps (gemini/interactionSteps.ts).
   */
  interaction: z
    .object({
      id: z.string().min(1),
      createdAt: z.iso.datetime(),
      /**
       * Google's copy of the thread up to this turn is not the record's: an earlier turn was deleted (Google's copy still
       * holds it), or this turn built on an answer before the latest (a reroll, an upscale of an older image: Google's
       * copy skips the turns between). A turn never continues from it; it replays the record.
       */
      outdated: z.literal(true).optional(),
      /**
       * Copied into a branch: the thread it came from holds the same interaction and may still continue from it, so a
       * Delete in either thread leaves it at Google (it expires with its retention) rather than break the other.
       */
      shared: z.literal(true).optional(),
      /**
       * Google was asked to delete it (a Delete took an earlier turn out, and this one held that turn): no later Delete
       * or thread deletion asks again. Always outdated too; `outdated` alone (a forked turn) is still stored at Google.
       */
      forgotten: z.literal(true).optional(),
      /** The bot message whose answer this turn built on (absent: the thread's first turn, built on nothing): a reroll starts there too. */
      builtOn: z.string().min(1).optional(),
    })
    .optional(),
  createdAt: z.iso.datetime(),
});
export type Exchange = z.infer<typeof exchangeSchema>;

/** The record as this build writes it. Older versions are read by olderRecords.ts and migrated on read (migrateRecord.ts). */
export const CURRENT_RECORD_VERSION = 3;

export const conversationRecordSchema = z.object({
  version: z.literal(CURRENT_RECORD_VERSION),
  threadId: z.string(),
  guildId: z.string(),
  /**
   * The channel the thread is in (absent in records written before it was kept, until their next turn): the record is
   * listed under it (ChannelThreads), so the conversation goes when that channel is deleted.
   */
  parentId: z.string().min(1).optional(),
  model: z.string(),
  settings: imageSettingsSchema,
  exchanges: z.array(exchangeSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ConversationRecord = z.infer<typeof conversationRecordSchema>;

/** The exchange whose answer a bot message shows, with its position in the history. */
export function findExchangeByMessage(
  record: ConversationRecord,
  messageId: string,
): { exchange: Exchange; index: number } | undefined {
  const index = record.exchanges.findIndex((exchange) => exchange.model.messageId === messageId);
  const exchange = record.exchanges[index];
  return exchange ? { exchange, index } : undefined;
}
