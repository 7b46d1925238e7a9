import type { Logger } from 'pino';
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
  /** The role's name for the refusal sentence (e.g. `(id) => guild.roles.cache.get(id)?.name`); a mention would ping. */
  roleName?: ((roleId: string) => string | undefined) | undefined;
}

export type AccessResult =
  | { ok: true; settings: EffectiveSettings }
  | { ok: false; reason: 'channel' | 'role' | 'settings-damaged'; text: string };

/** A sentence must stay readable: beyond this many channels the rest are counted, not listed. */
const CHANNELS_NAMED = 10;

/**
 * Whether this server's settings let the member use the bot here, with the
 * settings that then apply (so the caller reads them only once). Channel
 * links (`<#id>`) never ping; role mentions would, so roles are named.
 */
export async function checkAccess(bot: { guildSettings: GuildSettings; logger: Logger }, request: AccessRequest): Promise<AccessResult> {
  const { effective: settings, damaged } = await bot.guildSettings.read(request.guildId);
  if (damaged) {
    // Failing open would drop the server's channels, role and budget without a word.
    return {
      ok: false,
      reason: 'settings-damaged',
      text: "I could not read this server's settings, so I am not making images until an admin sets them again with /settings (they can check what is left with /settings show).",
    };
  }
  const allowed = settings.channelIds;
  if (allowed.length > 0 && !allowed.includes(request.channelId) && !(request.parentChannelId && allowed.includes(request.parentChannelId))) {
    bot.logger.debug({ guildId: request.guildId, userId: request.userId, channelId: request.channelId }, 'refused: channel not allowed');
    return { ok: false, reason: 'channel', text: `On this server I only work in ${listChannels(allowed)}.` };
  }
  const role = settings.requiredRoleId;
  // The @everyone role has the server's id and is never listed among a member's roles: everyone holds it.
  if (role && role !== request.guildId && !request.memberRoleIds.includes(role)) {
    bot.logger.debug({ guildId: request.guildId, userId: request.userId, roleId: role }, 'refused: required role missing');
    const name = request.roleName?.(role);
    const text = name
      ? `On this server only members with the ${name} role can use me.`
      : 'On this server only members with a role chosen by the admins can use me (it may have been deleted; an admin can change it with /settings role).';
    return { ok: false, reason: 'role', text };
  }
  return { ok: true, settings };
}

function listChannels(channelIds: readonly string[]): string {
  const named = channelIds.slice(0, CHANNELS_NAMED).map((id) => `<#${id}>`);
  const more = channelIds.length - named.length;
  if (more > 0) return `${named.join(', ')} and ${more} other channel(s)`;
  if (named.length === 1) return named.join('');
  return `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
}
