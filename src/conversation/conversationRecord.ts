import { z } from 'zod';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../gemini/imageOptions.js';

/**
 * A part as stored: the wire part with any inline image `data` emptied and
 * moved to the blob store (see BlobStore); `blob` says where to put it back.
 */
const storedPartSchema = z.object({
  raw: z.record(z.string(), z.unknown()),
  blob: z
    .object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      field: z.enum(['inlineData', 'inline_data']),
      /** Length of the base64 text, so a history can be trimmed to the budget before loading it (absent in older records). */
      length: z.number().int().nonnegative().optional(),
    })
    .optional(),
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
  /**
   * The image options this turn was made with. Records written before they
   * were kept read as none chosen (what those turns asked), so no turn needs a
   * branch for them; the next save writes it.
   */
  settings: imageSettingsSchema.default({}),
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
      /** The bot message whose answer this turn built on (absent in records written before it was kept): a reroll starts there too. */
      builtOn: z.string().min(1).optional(),
    })
    .optional(),
  createdAt: z.iso.datetime(),
});
export type Exchange = z.infer<typeof exchangeSchema>;

export const conversationRecordSchema = z.object({
  /** 2 when an exchange holds Interactions steps (see recordVersionOf); 1 otherwise, so older builds still read those. */
  version: z.union([z.literal(1), z.literal(2)]),
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

/**
 * The version a record is saved under. An exchange answered on Interactions
 * keeps steps as its model parts and its interaction beside them: a build
 * from before (a rollback, a shard not yet updated) would drop the
 * interaction on reading and send the steps to generateContent, failing every
 * turn and saving the record without its ids. Version 2 makes such a build
 * report the record unreadable (kept aside, never misread) instead.
 */
export function recordVersionOf(exchanges: readonly Exchange[]): 1 | 2 {
  return exchanges.some((exchange) => exchange.interaction !== undefined) ? 2 : 1;
}

/** The exchange whose answer a bot message shows, with its position in the history. */
export function findExchangeByMessage(
  record: ConversationRecord,
  messageId: string,
): { exchange: Exchange; index: number } | undefined {
  const index = record.exchanges.findIndex((exchange) => exchange.model.messageId === messageId);
  const exchange = record.exchanges[index];
  return exchange ? { exchange, index } : undefined;
}
