import { GuildMember, type Channel, type Guild, type Interaction, type Message, type RepliableInteraction } from 'discord.js';
import { checkAccess, type AccessRequest } from '../settings/checkAccess.js';
import type { EffectiveSettings } from '../settings/guildSettings.js';
import type { BotContext } from './botContext.js';
import { channelOf } from './channelOf.js';
import { describeRefusal } from './describeRefusal.js';
import { replyPrivately } from './toMessagePayload.js';

/** Who is asking and where, as the server's channel and role settings need it. */
export function accessRequestOf(source: Interaction | Message<true>, guild: Guild | null, guildId: string, channel: Channel | null = source.channel): AccessRequest {
  const member = source.member;
  // A cached member has a role manager; an interaction's raw member carries the role ids as a plain list.
  const memberRoleIds = member instanceof GuildMember ? [...member.roles.cache.keys()] : ((member as { roles?: string[] } | null)?.roles ?? []);
  return {
    guildId,
    channelId: source.channelId ?? '',
    parentChannelId: channel?.isThread() ? (channel.parentId ?? undefined) : undefined,
    memberRoleIds,
    userId: 'author' in source ? source.author.id : source.user.id,
    roleName: (roleId) => guild?.roles.cache.get(roleId)?.name,
  };
}

/**
 * The settings that apply to this interaction, or undefined after telling
 * the member privately why the bot does not work for them here.
 */
export async function settingsOrRefusal(bot: BotContext, interaction: RepliableInteraction): Promise<EffectiveSettings | undefined> {
  if (!interaction.inGuild()) return undefined;
  const access = await checkAccess(bot, accessRequestOf(interaction, interaction.guild, interaction.guildId, await channelOf(interaction)));
  if (access.ok) return access.settings;
  await replyPrivately(interaction, describeRefusal(access.refusal));
  return undefined;
}
