import { ALL_PERMISSIONS } from './permissions.js';
import { memberJson } from './payloads.js';
import { humanPermissions, roleJson, rolesOf } from './roles.js';
import type { ChannelJson, World } from './state.js';

/** The permissions a user has in a channel (what interactions carry as member.permissions). */
export function channelPermissions(world: World, channelId: string, userId: string): bigint {
  return userId === world.botUser.id ? world.config.botPermissions : humanPermissions(world, world.guildOf(channelId), userId);
}

/** A guild text channel (type 0) in API shape. */
export function textChannelJson(world: World, guildId: string, id: string, name: string, position: number): ChannelJson {
  return {
    id,
    type: 0,
    guild_id: guildId,
    name,
    position,
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    default_thread_rate_limit_per_user: 0,
    flags: 0,
    // A member overwrite for the bot makes its computed channel permissions exactly botPermissions,
    // whatever @everyone and its managed role grant at guild level.
    permission_overwrites: [
      {
        id: world.botUser.id,
        type: 1,
        allow: String(world.config.botPermissions),
        deny: String(ALL_PERMISSIONS & ~world.config.botPermissions),
      },
    ],
  };
}

/** A guild's text channels (not threads), in API shape. */
export function guildChannels(world: World, guildId: string): ChannelJson[] {
  return [...world.channels.values()].filter((c) => c.guild_id === guildId && !world.isThread(c));
}

export function guildThreads(world: World, guildId: string) {
  return world.threads().filter((thread) => thread.guild_id === guildId);
}

/** GUILD_CREATE data: a full guild with channels, active threads, members and roles (Guilds intent). */
export function guildCreateJson(world: World, guildId: string): Record<string, unknown> {
  const guild = world.guild(guildId);
  const channels = guildChannels(world, guildId);
  // Only active threads: a client learns of an archived one when it is used again.
  const threads = guildThreads(world, guildId).filter((thread) => !thread.thread_metadata?.archived);
  // The guild's human members (mallory is in the second only); the owner is not listed (no test acts as them).
  const members = [world.botUser, world.alice, world.bob, world.carol, world.mallory]
    .filter((u) => world.isMember(guildId, u.id))
    .map((u) => memberJson(world, guildId, u));
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    // Not alice: an owner implicitly has every permission, which would blur the admin/member split.
    owner_id: world.ownerId,
    region: 'deprecated',
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    roles: rolesOf(world, guildId).map(roleJson),
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: channels[0]?.id ?? null,
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

/** The `channel` object embedded in INTERACTION_CREATE (a partial channel with the invoker's permissions). */
export function interactionChannelJson(world: World, channelId: string, userId: string): Record<string, unknown> {
  const channel = world.channel(channelId);
  if (!channel) throw new Error(`Unknown channel ${channelId}`);
  const { permission_overwrites: _o, ...rest } = channel;
  return { ...rest, permissions: String(channelPermissions(world, channelId, userId)) };
}
