import { randomBytes } from 'node:crypto';
import { EVERYONE_PERMISSIONS } from './permissions.js';
import type { World } from './state.js';
import type { StoredMessage, User } from './types.js';

/** Guild member object as Discord sends it; `user` is omitted inside MESSAGE_CREATE's `member`. */
export function memberJson(world: World, user: User, withUser = true): Record<string, unknown> {
  const member: Record<string, unknown> = {
    avatar: null,
    banner: null,
    communication_disabled_until: null,
    deaf: false,
    flags: 0,
    joined_at: world.guildCreatedAt,
    mute: false,
    nick: null,
    pending: false,
    premium_since: null,
    // Bots get a managed role on join carrying the permissions they were invited with.
    roles: user.id === world.botUser.id ? [world.botRoleId] : [],
  };
  if (withUser) member.user = user;
  return member;
}

/** The permissions a user has in a channel (what interactions carry as member.permissions). */
export function channelPermissions(world: World, userId: string): bigint {
  return userId === world.botUser.id ? world.config.botPermissions : EVERYONE_PERMISSIONS;
}

function roleJson(world: World, id: string, name: string, permissions: bigint, extra: Record<string, unknown>) {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: id === world.guildId ? 0 : 1,
    permissions: String(permissions),
    managed: false,
    mentionable: false,
    flags: 0,
    ...extra,
  };
}

/** GUILD_CREATE data: a full guild with channels, active threads and members (Guilds intent). */
export function guildCreateJson(world: World): Record<string, unknown> {
  const channels = [...world.channels.values()].filter((c) => !world.isThread(c));
  const threads = world.threads();
  const members = [world.botUser, world.alice, world.bob].map((u) => memberJson(world, u));
  return {
    id: world.guildId,
    name: 'Emulated Guild',
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: world.alice.id,
    region: 'deprecated',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    roles: [
      // @everyone's id is the guild id.
      roleJson(world, world.guildId, '@everyone', EVERYONE_PERMISSIONS, {}),
      roleJson(world, world.botRoleId, world.botUser.username, world.config.botPermissions, {
        managed: true,
        tags: { bot_id: world.botUser.id },
      }),
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: world.channelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    max_presences: null,
    max_members: 500000,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    nsfw: false,
    nsfw_level: 0,
    hub_type: null,
    incidents_data: null,
    latest_onboarding_question_id: null,
    // GUILD_CREATE extra fields:
    joined_at: world.guildCreatedAt,
    large: false,
    unavailable: false,
    lazy: true,
    member_count: members.length,
    voice_states: [],
    members,
    channels,
    threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    activity_instances: [],
    application_command_counts: {},
    version: Date.now(),
  };
}

export function readyJson(world: World, sessionId: string, gatewayUrl: string): Record<string, unknown> {
  return {
    v: 10,
    user: { ...world.botUser, verified: true, mfa_enabled: false, email: null, bot: true },
    user_settings: {},
    private_channels: [],
    relationships: [],
    presences: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: ['us-east'],
    guilds: [{ id: world.guildId, unavailable: true }],
    session_id: sessionId,
    session_type: 'normal',
    resume_gateway_url: gatewayUrl,
    shard: [0, 1],
    application: { id: world.applicationId, flags: 0 },
    auth: {},
    _trace: ['["emulator-gateway",{"micros":0}]'],
  };
}

export function newSessionId(): string {
  return randomBytes(16).toString('hex');
}

/** MESSAGE_CREATE/UPDATE data: the message plus guild_id and the author's partial member. */
export function gatewayMessageJson(world: World, message: StoredMessage): Record<string, unknown> {
  const { allowed_mentions: _omit, ...rest } = message;
  const data: Record<string, unknown> = { ...rest, guild_id: world.guildId };
  if (!message.webhook_id) data.member = memberJson(world, message.author, false);
  data.mentions = message.mentions.map((u) => ({ ...u, member: memberJson(world, u, false) }));
  return data;
}

/** REST responses carry no `guild_id`/`member`; strip emulator-only fields too. */
export function restMessageJson(message: StoredMessage): Record<string, unknown> {
  const { allowed_mentions: _omit, guild_id: _g, ...rest } = message;
  return rest;
}

/** The `channel` object embedded in INTERACTION_CREATE (a partial channel with the invoker's permissions). */
export function interactionChannelJson(world: World, channelId: string, userId: string): Record<string, unknown> {
  const channel = world.channel(channelId);
  if (!channel) throw new Error(`Unknown channel ${channelId}`);
  const { permission_overwrites: _o, ...rest } = channel;
  return { ...rest, permissions: String(channelPermissions(world, userId)) };
}
