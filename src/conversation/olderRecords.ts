import { z } from 'zod';
import { conversationRecordSchema } from './conversationRecord.js';

// The conversation record as earlier builds stored it, frozen here so a record of theirs is still read exactly.
// Nothing but migrateRecord.ts uses these types: every other module sees only the current record.

// The options those builds could store, copied rather than imported: dropping one from today's list must not
// make an older record unreadable.
const imageSettingsSchema = z.object({
  aspectRatio: z.enum(['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9', '1:4', '4:1', '1:8', '8:1']).optional(),
  imageSize: z.enum(['512', '1K', '2K', '4K']).optional(),
});

const partV1Schema = z.object({
  raw: z.record(z.string(), z.unknown()),
  blob: z
    .object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      field: z.enum(['inlineData', 'inline_data']),
      /** Absent in records written before image lengths were kept. */
      length: z.number().int().nonnegative().optional(),
    })
    .optional(),
});
export type PartV1 = z.infer<typeof partV1Schema>;

const exchangeV1Schema = z.object({
  user: z.object({ authorId: z.string(), parts: z.array(partV1Schema) }),
  model: z.object({ contentFields: z.record(z.string(), z.unknown()), parts: z.array(partV1Schema), messageId: z.string() }),
  /** Absent in records written before a turn's options were kept. */
  settings: imageSettingsSchema.optional(),
  interaction: z
    .object({
      id: z.string().min(1),
      createdAt: z.iso.datetime(),
      outdated: z.literal(true).optional(),
      shared: z.literal(true).optional(),
      /** Absent in records written before it was kept, and on a thread's first turn. */
      builtOn: z.string().min(1).optional(),
    })
    .optional(),
  createdAt: z.iso.datetime(),
});
export type ExchangeV1 = z.infer<typeof exchangeV1Schema>;

/**
 * Versions 1 and 2 (2 only marked a record holding an Interactions
 * exchange, so builds from before would refuse it rather than misread it;
 * the shape is the same).
 */
const recordV1Schema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  threadId: z.string(),
  guildId: z.string(),
  /** Absent in records written before it was kept (set on their next turn). */
  parentId: z.string().min(1).optional(),
  model: z.string(),
  settings: imageSettingsSchema,
  exchanges: z.array(exchangeV1Schema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type RecordV1 = z.infer<typeof recordV1Schema>;

const blobV3Schema = z.union([
  z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), field: z.enum(['inlineData', 'inline_data']), length: z.number().int().nonnegative() }),
  z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), field: z.enum(['inlineData', 'inline_data']), gone: z.literal(true) }),
]);
const partV3Schema = z.object({ raw: z.record(z.string(), z.unknown()), blob: blobV3Schema.optional() });
export type PartV3 = z.infer<typeof partV3Schema>;

const exchangeV3Schema = z.object({
  user: z.object({ authorId: z.string(), parts: z.array(partV3Schema) }),
  /**
   * An Interactions answer (one with an `interaction`) kept its steps flattened into pseudo-parts: `{ step, items? }`
   * opens a step, `{ item, in, inline_data?, thought? }` adds an item to it (an image's bytes in inline_data).
   */
  model: z.object({ contentFields: z.record(z.string(), z.unknown()), parts: z.array(partV3Schema), messageId: z.string() }),
  settings: imageSettingsSchema,
  interaction: z
    .object({
      id: z.string().min(1),
      createdAt: z.iso.datetime(),
      outdated: z.literal(true).optional(),
      shared: z.literal(true).optional(),
      forgotten: z.literal(true).optional(),
      builtOn: z.string().min(1).optional(),
    })
    .optional(),
  createdAt: z.iso.datetime(),
});
export type ExchangeV3 = z.infer<typeof exchangeV3Schema>;

/** Version 3: every image's length (or `gone`) and every turn's options kept. */
const recordV3Schema = recordV1Schema.extend({ version: z.literal(3), exchanges: z.array(exchangeV3Schema) });
export type RecordV3 = z.infer<typeof recordV3Schema>;

/** A stored conversation record of any version this build reads, told apart by its `version`; any other version is unreadable. */
export const storedRecordSchema = z.discriminatedUnion('version', [recordV1Schema, recordV3Schema, conversationRecordSchema]);
export type StoredRecord = z.infer<typeof storedRecordSchema>;
