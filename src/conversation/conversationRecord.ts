import { z } from 'zod';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../gemini/imageOptions.js';

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * Where an image's bytes are in the blob store: under `sha256`. `length`
 * (of the base64 text) lets a turn fit a history to the budget, and give the
 * body's exact length, from the record alone. `gone`: the store no longer had
 * the image when an older record was migrated (migrateRecord), so its length
 * is unknown; said once, so no later read asks the store again. A history
 * holding one cannot be replayed.
 */
function imageRefSchema<Shape extends z.ZodRawShape>(where: Shape) {
  return z.union([z.object({ sha256: sha256Schema, length: z.number().int().nonnegative(), ...where }), z.object({ sha256: sha256Schema, gone: z.literal(true), ...where })]);
}

/** Whether the store had lost this image when its record was migrated. */
export function isGone<Ref extends object>(image: Ref): image is Extract<Ref, { gone: true }> {
  return 'gone' in image;
}

/** A part's image: put back into the part's `field` (`inlineData` or `inline_data`, as Gemini spelled it). */
const blobRefSchema = imageRefSchema({ field: z.enum(['inlineData', 'inline_data']) });
export type BlobRef = z.infer<typeof blobRefSchema>;

/**
 * A part as stored: the wire part with any inline image `data` emptied and
 * moved to the blob store (see BlobStore); `blob` says where to put it back.
 */
const storedPartSchema = z.object({
  raw: z.record(z.string(), z.unknown()),
  blob: blobRefSchema.optional(),
});
export type StoredPart = z.infer<typeof storedPartSchema>;

/** A step's image: its item is the `index`th of the step's `in` list (`summary` of a thought, `content` of an output). */
const stepImageSchema = imageRefSchema({ in: z.enum(['summary', 'content']), index: z.number().int().nonnegative() });
export type StepImage = z.infer<typeof stepImageSchema>;

/**
 * An Interactions API step as stored: the step exactly as Google sent it
 * (its signature inside, untouched), each image item's `data` emptied and
 * moved to the blob store; `images` says where to put each back.
 */
const storedStepSchema = z.object({
  raw: z.record(z.string(), z.unknown()),
  images: z.array(stepImageSchema).optional(),
});
export type StoredStep = z.infer<typeof storedStepSchema>;

/** The interaction Google keeps for an Interactions answer: the next turn continues from its id while it is younger than the retention. */
const storedInteractionSchema = z.object({
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
});
export type StoredInteraction = z.infer<typeof storedInteractionSchema>;

/**
 * Gemini's answer exactly as received, in the shape of the API that sent it
 * (signature replay sends it back so: transports/signatureReplay.ts), its
 * images moved to the blob store, and the bot message that shows it.
 */
const storedAnswerSchema = z.discriminatedUnion('api', [
  z.object({
    api: z.literal('generate-content'),
    /** The candidate's `content` minus its parts. */
    contentFields: z.record(z.string(), z.unknown()),
    parts: z.array(storedPartSchema),
    messageId: z.string(),
  }),
  z.object({
    api: z.literal('interactions'),
    steps: z.array(storedStepSchema),
    interaction: storedInteractionSchema,
    messageId: z.string(),
  }),
]);
export type StoredAnswer = z.infer<typeof storedAnswerSchema>;

const imageSettingsSchema = z.object({
  aspectRatio: z.enum(ASPECT_RATIOS).optional(),
  imageSize: z.enum(IMAGE_SIZES).optional(),
});

/**
 * One user turn and Gemini's answer to it. Only answered turns are stored, so
 * a failed or refused request never leaves the history unreplayable.
 */
const exchangeSchema = z.object({
  user: z.object({
    authorId: z.string(),
    parts: z.array(storedPartSchema),
  }),
  model: storedAnswerSchema,
  /** The image options this turn was made with (a reroll redoes it with them). */
  settings: imageSettingsSchema,
  createdAt: z.iso.datetime(),
});
export type Exchange = z.infer<typeof exchangeSchema>;

/** The interaction Google keeps for an exchange's answer, when the Interactions API made it. */
export function interactionOf(exchange: Exchange | undefined): StoredInteraction | undefined {
  return exchange?.model.api === 'interactions' ? exchange.model.interaction : undefined;
}

/** The exchange with its interaction changed (an exchange of generateContent has none, and comes back as it is). */
export function withInteraction(exchange: Exchange, change: Partial<StoredInteraction>): Exchange {
  return exchange.model.api === 'interactions' ? { ...exchange, model: { ...exchange.model, interaction: { ...exchange.model.interaction, ...change } } } : exchange;
}

/** An interaction a Delete asked Google to delete and it has not confirmed gone, with when Google made it (its retention runs from then). */
const owedInteractionSchema = z.object({ id: z.string().min(1), createdAt: z.iso.datetime() });
export type OwedInteraction = z.infer<typeof owedInteractionSchema>;

/** The id of an entry of forgetAtGoogle, in either shape. */
export function owedIdOf(entry: OwedInteraction | string): string {
  return typeof entry === 'string' ? entry : entry.id;
}

/** The record as this build writes it. Older versions are read by olderRecords.ts and migrated on read (migrateRecord.ts). */
export const CURRENT_RECORD_VERSION = 4;

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
  /**
   * Interactions Google stores for this thread that a Delete asked it to delete and it has not yet confirmed gone
   * (2xx or 404): the next Delete, or the thread's deletion, asks again, until the retention has run out
   * (owedAtGoogle.ts). Their exchanges are marked `forgotten`. Each with when Google made it; a plain id is the
   * list's first shape (written without a time since 63f09a4), still read in version 4 rather than bumping the
   * version: a bump would make every thread a newer build touched unreadable to an older one, for a list that is
   * best effort anyway (builds before 63f09a4 drop it on save). Only a build of 63f09a4..this change finds a
   * record that lists a dated entry unreadable (a rollback across it restarts those threads).
   */
  forgetAtGoogle: z.array(z.union([owedInteractionSchema, z.string().min(1)])).min(1).optional(),
  /**
   * How many of the thread's oldest turns its members were told are left out because the store lost an image of
   * theirs (or of one after them): the note under an answer (resultNotes.ts). Absent: none told. A turn whose request
   * leaves out more says so with the true count, and its saved record keeps that count (saveExchange); a turn that
   * leaves out no more says nothing. Only a turn that posts an answer sets it, so a gone mark saved by anything else
   * (a Delete or a Branch on a migrated record, a turn sent on from Google's copy that left nothing out) is still
   * told by the first turn that leaves its turns out. Still version 4: a build before this field reads such a record
   * (zod drops the unknown key) and saves it without, which only makes this build say the note once more; a bump
   * would make every thread this build touches unreadable to that build, for a courtesy count.
   */
  lostImageTurnsTold: z.number().int().positive().optional(),
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
