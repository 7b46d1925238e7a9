import { randomBytes } from 'node:crypto';
import { memberRoleIds } from './roles.js';
import type { World } from './state.js';
import type { StoredMessage, User } from './types.js';

/** Guild member object as Discord sends it; `user` is omitted inside MESSAGE_CREATE's `member`. */
export function memberJson(world: World, guildId: string, user: User, withUser = true): Record<string, unknown> {
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
    roles: memberRoleIds(world, guildId, user.id),
  };
  if (withUser) member.user = user;
  return member;
}

/** READY lists only the guilds on the session's shard, as unavailable until their GUILD_CREATE. */
export function readyJson(world: World, sessionId: string, gatewayUrl: string, shard: [number, number], guildIds: string[]): Record<string, unknown> {
  return {
    v: 10,
    user: { ...world.botUser, verified: true, mfa_enabled: false, email: null, bot: true },
    user_settings: {},
    private_channels: [],
    relationships: [],
    presences: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: ['us-east'],
    guilds: guildIds.map((id) => ({ id, unavailable: true })),
    session_id: sessionId,
    session_type: 'normal',
    resume_gateway_url: gatewayUrl,
    shard,
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
  const guildId = world.guildOf(message.channel_id);
  const data: Record<string, unknown> = { ...rest, guild_id: guildId };
  if (!message.webhook_id) data.member = memberJson(world, guildId, message.author, false);
  data.mentions = message.mentions.map((u) => ({ ...u, member: memberJson(world, guildId, u, false) }));
  return data;
}

/** A reply's message_reference: the replied-to message with its channel's guild. */
export function replyReference(world: World, repliedTo: StoredMessage): NonNullable<StoredMessage['message_reference']> {
  return { type: 0, channel_id: repliedTo.channel_id, message_id: repliedTo.id, guild_id: world.guildOf(repliedTo.channel_id) };
}

/** REST responses carry no `guild_id`/`member`; strip emulator-only fields too. */
export function restMessageJson(message: StoredMessage): Record<string, unknown> {
  const { allowed_mentions: _omit, guild_id: _g, ...rest } = message;
  return rest;
}
