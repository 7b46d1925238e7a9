import type Keyv from 'keyv';
import { readVersionedRecord } from '../store/readVersionedRecord.js';
import { z } from 'zod';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../gemini/imageOptions.js';

const snowflake = z.string().regex(/^\d{17,20}$/);

/**
 * One server's choices, as /settings stored them. Every field is optional:
 * absent means "use the environment's default". Versioned so a later shape
 * is migrated or reported, never misread.
 */
const guildSettingsRecordSchema = z.object({
  version: z.literal(1),
  model: z.string().min(1).optional(),
  aspectRatio: z.enum(ASPECT_RATIOS).optional(),
  imageSize: z.enum(IMAGE_SIZES).optional(),
  /** Channels the bot answers in (threads under them included); empty or absent means everywhere. */
  channelIds: z.array(snowflake).optional(),
  requiredRoleId: snowflake.optional(),
  /** 0 means no limit, overriding the environment's default. */
  dailyImageLimit: z.number().int().nonnegative().optional(),
  /** 0 means no budget, overriding the environment's default. */
  monthlyBudgetUsd: z.number().nonnegative().finite().optional(),
  /** Whether members watch Gemini's sketches while it draws. */
  previews: z.boolean().optional(),
});
export type GuildSettingsRecord = z.infer<typeof guildSettingsRecordSchema>;
export type StoredGuildSettings = Omit<GuildSettingsRecord, 'version'>;

export type LoadedGuildSettings =
  | { kind: 'found'; settings: StoredGuildSettings }
  | { kind: 'missing' }
  | { kind: 'unreadable'; problem: string };

/** Server settings in the conversations' Keyv, one record per server under `guild-settings:{guildId}`. */
export class GuildSettingsStore {
  constructor(private readonly keyv: Keyv) {}

  async load(guildId: string): Promise<LoadedGuildSettings> {
    const loaded = await readVersionedRecord(this.keyv, guildSettingsKey(guildId), guildSettingsRecordSchema);
    if (loaded.kind !== 'found') return loaded;
    const { version: _version, ...settings } = loaded.value;
    return { kind: 'found', settings };
  }

  /** Throws when the write fails: the admin must be told the change did not stick. */
  async save(guildId: string, settings: StoredGuildSettings): Promise<void> {
    await this.keyv.set(guildSettingsKey(guildId), guildSettingsRecordSchema.parse({ ...settings, version: 1 }));
  }
}

function guildSettingsKey(guildId: string): string {
  return `guild-settings:${guildId}`;
}
