import { z } from 'zod';
import type { ThreadPlace } from '../conversation/channelThreads.js';
import { snowflake } from './snowflake.js';

/** CHANNEL_DELETE's data is the channel object (Guilds intent); a server's channel names its server, a DM none. */
const channelDeleteSchema = z.object({ id: snowflake, guild_id: snowflake.optional() });

export type ChannelDeletion =
  | { kind: 'server-channel'; channel: ThreadPlace }
  /** A channel outside any server (a DM): no conversation lives there. */
  | { kind: 'not-in-a-server' }
  /** Not what Discord documents (logged by the caller). */
  | { kind: 'malformed' };

/**
 * The channel a CHANNEL_DELETE dispatch names. Read from the dispatch itself
 * (client.ws), as THREAD_DELETE is (readThreadDeletion): what matters is the
 * stored conversations of its threads, not whether discord.js cached it.
 */
export function readChannelDeletion(data: unknown): ChannelDeletion {
  const parsed = channelDeleteSchema.safeParse(data);
  if (!parsed.success) return { kind: 'malformed' };
  if (parsed.data.guild_id === undefined) return { kind: 'not-in-a-server' };
  return { kind: 'server-channel', channel: { guildId: parsed.data.guild_id, channelId: parsed.data.id } };
}
