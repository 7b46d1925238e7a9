/**
 * Snowflake ids shaped like Discord's: (ms since the Discord epoch) << 22 | worker << 17 | process << 12 | increment.
 * discord.js derives createdTimestamp from ids and sorts caches by them, so ids must
 * encode a real time and increase strictly even when several are minted in the same millisecond.
 */
const DISCORD_EPOCH = 1_420_070_400_000n;

export class SnowflakeGenerator {
  #last = 0n;
  #pastIncrement = 0n;

  next(now: number = Date.now()): string {
    let id = ((BigInt(now) - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n);
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }

  /**
   * An id whose timestamp is exactly `time`, earlier than ids already minted: what another
   * Discord worker hands out for something created a while ago (an interaction that waited in
   * a slow queue). Its own worker number and increment keep it unique; `next` stays increasing.
   */
  at(time: number): string {
    const increment = this.#pastIncrement++ & 0xfffn;
    return (((BigInt(Math.floor(time)) - DISCORD_EPOCH) << 22n) | (2n << 17n) | (1n << 12n) | increment).toString();
  }
}

export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
