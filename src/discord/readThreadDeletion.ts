import { z } from 'zod';
import type { DeletedThread } from '../conversation/forgetThread.js';
import { snowflake } from './snowflake.js';

/** THREAD_DELETE's data as the gateway sends it (Guilds intent): `{ id, guild_id, parent_id, type }`; `type` is not needed. */
const threadDeleteSchema = z.object({ id: snowflake, guild_id: snowflake, parent_id: snowflake.nullish() });

/**
 * The thread a THREAD_DELETE dispatch names, or undefined when its data is
 * not what Discord documents (logged by the caller). Read from the dispatch
 * itself (client.ws), not discord.js's ThreadDelete event: discord.js emits
 * that only for a thread in its cache, and a thread archived before a
 * restart (GUILD_CREATE leaves archived threads out), or swept from the
 * cache hours after it was archived, is not there; its conversation must
 * still go.
 */
export function readThreadDeletion(data: unknown): DeletedThread | undefined {
  const parsed = threadDeleteSchema.safeParse(data);
  if (!parsed.success) return undefined;
  // The channel Discord says the thread was in: forgetThread keeps a record that names another (never removed on a guess).
  const parentId = parsed.data.parent_id ?? undefined;
  return { threadId: parsed.data.id, guildId: parsed.data.guild_id, ...(parentId ? { parentId } : {}) };
}
