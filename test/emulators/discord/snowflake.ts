/**
 * Snowflake ids shaped like Discord's: (ms since the Discord epoch) << 22 | worker << 17 | process << 12 | increment.
 * discord.js derives createdTimestamp from ids and sorts caches by them, so ids must
 * encode a real time and increase strictly even when several are minted in the same millisecond.
 */
const DISCORD_EPOCH = 1_420_070_400_000n;

export class SnowflakeGenerator {
  #last = 0n;

  next(now: number = Date.now()): string {
    let id = ((BigInt(now) - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n);
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}

export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
