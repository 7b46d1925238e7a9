import type Keyv from 'keyv';
import { z } from 'zod';

/** One generation's worst-case cost (and one image of the member's day), held from reservation until settled. */
export interface Hold {
  id: string;
  userId: string;
  day: string;
  month: string;
  costUsd: number;
}

/** Where a server's holds live. The usage budget calls these only under that server's lock. */
export interface UsageHolds {
  list(guildId: string): Promise<Hold[]>;
  add(guildId: string, hold: Hold): Promise<void>;
  remove(guildId: string, holdId: string): Promise<void>;
}

/** One process: holds in memory, gone with the process, as the generations they guard are. */
export class MemoryHolds implements UsageHolds {
  private readonly holds = new Map<string, Hold[]>();

  async list(guildId: string): Promise<Hold[]> {
    return this.holds.get(guildId) ?? [];
  }

  async add(guildId: string, hold: Hold): Promise<void> {
    this.holds.set(guildId, [...(this.holds.get(guildId) ?? []), hold]);
  }

  /** Takes effect before its first await, so a cancel is seen by the very next reservation. */
  async remove(guildId: string, holdId: string): Promise<void> {
    const rest = (this.holds.get(guildId) ?? []).filter((hold) => hold.id !== holdId);
    if (rest.length > 0) this.holds.set(guildId, rest);
    else this.holds.delete(guildId);
  }
}

const storedHoldsSchema = z.object({
  version: z.literal(1),
  holds: z.array(z.object({ id: z.string(), userId: z.string(), day: z.string(), month: z.string(), costUsd: z.number(), expiresAt: z.number() })),
});
type StoredHold = z.infer<typeof storedHoldsSchema>['holds'][number];

/**
 * Several processes: a server's holds are one record in the shared store,
 * so every process counts the others' generations in flight. A process that
 * crashes mid-generation leaves its holds behind; they expire after
 * `ttlMs`, longer than any generation (Gemini's timeout, retries and the
 * wait in line), so a live one is never dropped.
 */
export class StoredHolds implements UsageHolds {
  constructor(
    private readonly keyv: Keyv,
    private readonly now: () => Date,
    private readonly ttlMs: number,
  ) {}

  async list(guildId: string): Promise<Hold[]> {
    return (await this.read(guildId)).map(({ expiresAt: _expiresAt, ...hold }) => hold);
  }

  async add(guildId: string, hold: Hold): Promise<void> {
    await this.write(guildId, [...(await this.read(guildId)), { ...hold, expiresAt: this.now().getTime() + this.ttlMs }]);
  }

  async remove(guildId: string, holdId: string): Promise<void> {
    await this.write(guildId, (await this.read(guildId)).filter((hold) => hold.id !== holdId));
  }

  /** Live holds only. A damaged record throws: a budget must never be misread as free. */
  private async read(guildId: string): Promise<StoredHold[]> {
    const value: unknown = await this.keyv.get(holdsKey(guildId));
    if (value === undefined) return [];
    const parsed = storedHoldsSchema.safeParse(value);
    if (!parsed.success) throw new Error(`usage holds of server ${guildId} are unreadable: ${parsed.error.message}`);
    const now = this.now().getTime();
    return parsed.data.holds.filter((hold) => hold.expiresAt > now);
  }

  private async write(guildId: string, holds: StoredHold[]): Promise<void> {
    if (holds.length === 0) await this.keyv.delete(holdsKey(guildId));
    else await this.keyv.set(holdsKey(guildId), { version: 1, holds } satisfies z.infer<typeof storedHoldsSchema>);
  }
}

function holdsKey(guildId: string): string {
  return `usage-holds:${guildId}`;
}
