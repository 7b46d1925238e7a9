import { setTimeout as after } from 'node:timers/promises';
import { GuildMember, type Channel, type Guild, type Interaction, type Message, type RepliableInteraction } from 'discord.js';
import type { Refusal } from '../refusals/refusal.js';
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

/**
 * How long a form waits for the server's settings before it opens anyway:
 * well inside Discord's 3 s, with room for the form's own round trip.
 */
const FORM_CHECK_MS = 1_000;

/**
 * Before a form opens: why this member cannot use the bot here, when the
 * settings say so in time; otherwise undefined, and the form opens. Opening
 * it anyway costs nothing, since its submission is checked like any request
 * (the router); refusing at once spares the member typing into a form that
 * will be refused. Only a cached channel is used: a fetch would spend the 3 s.
 */
export async function refusalBeforeForm(bot: BotContext, interaction: RepliableInteraction): Promise<Refusal | undefined> {
  const channel = interaction.channel;
  // An uncached channel (a thread archived before a restart) has no known parent, and a thread in an allowed channel must not be refused.
  if (!interaction.inGuild() || !channel) return undefined;
  const deadline = new AbortController();
  const checked = checkAccess(bot, accessRequestOf(interaction, interaction.guild, interaction.guildId, channel)).catch((error: unknown) => {
    bot.logger.warn({ err: error, interactionId: interaction.id }, 'could not read the server settings before a form; opening it');
    return 'failed' as const;
  });
  const late = after(FORM_CHECK_MS, 'late' as const, { signal: deadline.signal }).catch(() => 'late' as const);
  const access = await Promise.race([checked, late]);
  deadline.abort();
  if (access === 'late') bot.logger.debug({ interactionId: interaction.id }, 'server settings not read in time before a form; opening it');
  return typeof access === 'object' && !access.ok ? access.refusal : undefined;
}
