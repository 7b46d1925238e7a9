import type { Logger } from 'pino';
import type { Refusal } from '../refusals/refusal.js';
import type { EffectiveSettings, GuildSettings } from './guildSettings.js';

export interface AccessRequest {
  guildId: string;
  /** Where the member asked: a channel, or a thread. */
  channelId: string;
  /** The thread's parent channel when asked in a thread: a conversation belongs to the channel it started in. */
  parentChannelId?: string | undefined;
  /** The member's role ids (Discord leaves @everyone out). */
  memberRoleIds: readonly string[];
  userId: string;
  /** The role's name for the refusal (e.g. `(id) => guild.roles.cache.get(id)?.name`); a mention would ping. */
  roleName?: ((roleId: string) => string | undefined) | undefined;
}

export type AccessResult = { ok: true; settings: EffectiveSettings } | { ok: false; refusal: Refusal };

/**
 * Whether this server's settings let the member use the bot here, with the
 * settings that then apply (so the caller reads them only once), or the
 * refusal to show (discord/describeRefusal.ts words it).
 */
export async function checkAccess(bot: { guildSettings: GuildSettings; logger: Logger }, request: AccessRequest): Promise<AccessResult> {
  const { effective: settings, damaged } = await bot.guildSettings.read(request.guildId);
  // Failing open would drop the server's channels, role and budget without a word.
  if (damaged) return { ok: false, refusal: { kind: 'settings-damaged' } };
  const allowed = settings.channelIds;
  if (allowed.length > 0 && !allowed.includes(request.channelId) && !(request.parentChannelId && allowed.includes(request.parentChannelId))) {
    bot.logger.debug({ guildId: request.guildId, userId: request.userId, channelId: request.channelId }, 'refused: channel not allowed');
    return { ok: false, refusal: { kind: 'channel-not-allowed', channelIds: allowed } };
  }
  const role = settings.requiredRoleId;
  // The @everyone role has the server's id and is never listed among a member's roles: everyone holds it.
  if (role && role !== request.guildId && !request.memberRoleIds.includes(role)) {
    bot.logger.debug({ guildId: request.guildId, userId: request.userId, roleId: role }, 'refused: required role missing');
    return { ok: false, refusal: { kind: 'role-required', roleName: request.roleName?.(role) } };
  }
  return { ok: true, settings };
}
