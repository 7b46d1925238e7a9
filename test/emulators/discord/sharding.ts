/** A gateway session's [shard_id, num_shards], as IDENTIFY sent it (Discord's default: [0, 1]). */
export type ShardPair = [id: number, count: number];

/**
 * Discord's rule: a guild's events (its threads and interactions included) go
 * to shard `(guild_id >> 22) % num_shards`. Ids exceed 2^53, hence BigInt.
 */
export function shardForGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** The shard a dispatch belongs on: its guild's, or shard 0 for events outside any guild (DMs), as Discord does. */
export function shardForDispatch(t: string, d: unknown, shardCount: number): number {
  const data = (d ?? {}) as { guild_id?: unknown; id?: unknown };
  // GUILD_CREATE/UPDATE/DELETE name the guild by `id`; every other guild event carries `guild_id`.
  const guildId = t === 'GUILD_CREATE' || t === 'GUILD_UPDATE' || t === 'GUILD_DELETE' ? data.id : data.guild_id;
  return typeof guildId === 'string' ? shardForGuild(guildId, shardCount) : 0;
}

/** IDENTIFY's optional `shard`; undefined when it is malformed (Discord closes with 4010 Invalid shard). */
export function readShardPair(value: unknown): ShardPair | undefined {
  if (value === undefined) return [0, 1];
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, count] = value as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return undefined;
  if ((count as number) < 1 || (id as number) < 0 || (id as number) >= (count as number)) return undefined;
  return [id as number, count as number];
}
