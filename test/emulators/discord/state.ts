import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { APIThreadChannel } from 'discord.js';
import { SnowflakeGenerator, snowflakeTimestamp } from './snowflake.js';
import { textChannelJson } from './guild.js';
import { DEFAULT_BOT_PERMISSIONS, EVERYONE_PERMISSIONS, MODERATOR_PERMISSIONS, Perm, has } from './permissions.js';
import { addRole, type RoleRecord } from './roles.js';
import type { InteractionRecord, RegisteredCommand, StoredMessage, User } from './types.js';

/** A scripted answer to the bot's next matching REST call(s): an error, or a delay before the real answer. */
export interface RestFault {
  method: string;
  path: RegExp;
  /** How many matching calls it applies to. */
  remaining: number;
  /** Held this long before answering (the real answer, or the error). */
  delayMs: number;
  /** Then held until this settles; `onHeld` is told when the call arrives. */
  holdUntil?: Promise<unknown> | undefined;
  onHeld?: (() => void) | undefined;
  /** The call is done (its message posted, say), and only then its answer held until this settles. */
  answerHeldUntil?: Promise<unknown> | undefined;
  error?: { status: number; code: number; message: string } | undefined;
}

/** A guild text channel (type 0) or public thread (type 11), kept in API shape. */
export type ChannelJson = Record<string, unknown> & { id: string; type: number; name: string; guild_id: string };

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
}

export interface WorldConfig {
  interactionAckDeadlineMs: number;
  interactionTokenLifetimeMs: number;
  uploadLimitBytes: number;
  botPermissions: bigint;
  /** What GET /gateway/bot recommends as `shards`. */
  recommendedShards: number;
  /** GET /gateway/bot's session_start_limit.max_concurrency: IDENTIFYs allowed per 5 s. */
  maxConcurrency: number;
}

/** A guild the bot is in: what its GUILD_CREATE needs beyond the channels and roles that name it. */
export interface GuildRecord {
  id: string;
  name: string;
  /** The managed role Discord gives the bot when it joins a guild. */
  botRoleId: string;
}

/** Events: 'dispatch' (t, d) for the gateway, 'message' (StoredMessage) on every create/edit. */
export class World extends EventEmitter {
  readonly ids = new SnowflakeGenerator();
  // Real bot tokens are base64(user id).timestamp.hmac; the shape matters only for logging.
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: User;
  readonly alice: User;
  readonly bob: User;
  readonly carol: User;
  /** A member of the second guild only: what a stranger to the first guild can do is tried as her. */
  readonly mallory: User;
  /** The guild owner: a member no test acts as (owners implicitly hold every permission). */
  readonly ownerId: string;
  readonly guildId: string;
  readonly botRoleId: string;
  readonly moderatorRoleId: string;
  readonly channelId: string;
  readonly otherChannelId: string;
  /** A guild on the other shard of two (see the constructor), so a bot sharded in two has work on both. */
  readonly secondGuildId: string;
  readonly secondGuildChannelId: string;
  readonly guilds = new Map<string, GuildRecord>();
  readonly guildCreatedAt = new Date().toISOString();
  readonly users = new Map<string, User>();
  readonly channels = new Map<string, ChannelJson>();
  readonly messagesByChannel = new Map<string, StoredMessage[]>();
  readonly messageById = new Map<string, StoredMessage>();
  readonly files = new Map<string, StoredFile>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly interactionsByToken = new Map<string, InteractionRecord>();
  /** Key 'global' or a guild id. */
  readonly commands = new Map<string, RegisteredCommand[]>();
  readonly reactions = new Map<string, Set<string>>();
  /** Every guild's roles; each record names its guild. */
  readonly roles = new Map<string, RoleRecord>();
  /** Role ids per human member in the first guild (the bot's managed role is implicit; in the second guild nobody has any). */
  readonly memberRoles = new Map<string, string[]>();
  /** setMemberPermissions: exact permissions in the first guild, replacing the role computation. */
  readonly permissionOverrides = new Map<string, bigint>();
  readonly deletedMessageIds: string[] = [];
  /** The guilds each human is a member of; Discord only delivers a member's interactions and messages in those. */
  readonly memberships = new Map<string, Set<string>>();
  /** Scripted REST faults (injectFault), consumed in order of registration. */
  readonly faults: RestFault[] = [];
  /** How far advanceClock moved the clock that judges interaction deadlines past the real one. */
  private clockOffsetMs = 0;

  constructor(readonly config: WorldConfig) {
    super();
    this.setMaxListeners(0);
    // The application id equals the bot user's id for every bot created since 2020.
    this.applicationId = this.ids.next();
    this.botUser = {
      id: this.applicationId,
      username: 'NanoBanana',
      discriminator: '4821',
      global_name: null,
      avatar: null,
      bot: true,
      flags: 0,
      public_flags: 0,
    } as unknown as User;
    this.token = `${Buffer.from(this.applicationId).toString('base64url')}.emu.${randomBytes(20).toString('base64url')}`;
    this.alice = this.human('alice', 'Alice');
    this.bob = this.human('bob', 'Bob');
    this.carol = this.human('carol', 'Carol');
    this.mallory = this.human('mallory', 'Mallory');
    this.ownerId = this.human('owner', 'Server Owner').id;
    this.users.set(this.botUser.id, this.botUser);
    this.guildId = this.ids.next();
    // Discord sends a guild's events to shard (guild_id >> 22) % num_shards, and id >> 22 is the id's
    // millisecond. Minted one millisecond after the first guild, before any other id (so the generator
    // cannot have moved past it), the second guild's id has the other parity: with two shards the
    // guilds always land on different shards, whatever the clock says.
    this.secondGuildId = this.ids.next(snowflakeTimestamp(this.guildId) + 1);
    this.botRoleId = this.ids.next();
    this.moderatorRoleId = this.ids.next();
    this.addGuild({ id: this.guildId, name: 'Emulated Guild', botRoleId: this.botRoleId });
    addRole(this, { guildId: this.guildId, id: this.moderatorRoleId, name: 'Moderators', permissions: MODERATOR_PERMISSIONS, managed: false });
    this.memberRoles.set(this.alice.id, [this.moderatorRoleId]);
    this.channelId = this.ids.next();
    this.otherChannelId = this.ids.next();
    this.addTextChannel(this.guildId, this.channelId, 'general', 0);
    this.addTextChannel(this.guildId, this.otherChannelId, 'random', 1);
    this.addGuild({ id: this.secondGuildId, name: 'Second Emulated Guild', botRoleId: this.ids.next() });
    this.secondGuildChannelId = this.ids.next();
    this.addTextChannel(this.secondGuildId, this.secondGuildChannelId, 'general', 0);
    for (const user of [this.alice, this.bob, this.carol]) this.memberships.set(user.id, new Set([this.guildId, this.secondGuildId]));
    this.memberships.set(this.mallory.id, new Set([this.secondGuildId]));
    this.memberships.set(this.ownerId, new Set([this.guildId, this.secondGuildId]));
  }

  isMember(guildId: string, userId: string): boolean {
    return userId === this.botUser.id || this.memberships.get(userId)?.has(guildId) === true;
  }

  /** Discord never delivers an event from a guild to a user who is not in it: a test that tries is wrong. */
  assertMember(guildId: string, user: User): void {
    if (!this.isMember(guildId, user.id)) throw new Error(`discord emulator: ${user.username} is not a member of guild ${guildId}`);
  }

  /** A guild with its @everyone (id = the guild id, as on Discord) and the bot's managed role. */
  private addGuild(guild: GuildRecord): void {
    this.guilds.set(guild.id, guild);
    addRole(this, { guildId: guild.id, id: guild.id, name: '@everyone', permissions: EVERYONE_PERMISSIONS, managed: false });
    const { botPermissions } = this.config;
    addRole(this, { guildId: guild.id, id: guild.botRoleId, name: this.botUser.username, permissions: botPermissions, managed: true, botId: this.botUser.id });
  }

  private addTextChannel(guildId: string, id: string, name: string, position: number): void {
    this.channels.set(id, textChannelJson(this, guildId, id, name, position));
    this.messagesByChannel.set(id, []);
  }

  private human(username: string, globalName: string): User {
    const user = {
      id: this.ids.next(),
      username,
      discriminator: '0', // users migrated to unique usernames have discriminator "0"
      global_name: globalName,
      avatar: null,
      avatar_decoration_data: null,
      banner: null,
      accent_color: null,
      flags: 0,
      public_flags: 0,
      collectibles: null,
      primary_guild: null,
    } as unknown as User;
    this.users.set(user.id, user);
    return user;
  }

  newInteractionToken(): string {
    // Real interaction tokens are long opaque base64 strings starting with "aW50ZXJhY3Rpb246" ("interaction:").
    return `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`;
  }

  botCan(bit: bigint): boolean {
    const administrator = 1n << 3n;
    return has(this.config.botPermissions, administrator) || has(this.config.botPermissions, bit);
  }

  channel(id: string): ChannelJson | undefined {
    return this.channels.get(id);
  }

  /** The guild a channel or thread belongs to: what every guild_id about it must say. */
  guildOf(channelId: string): string {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`discord emulator: unknown channel ${channelId}`);
    return channel.guild_id;
  }

  guild(id: string): GuildRecord {
    const guild = this.guilds.get(id);
    if (!guild) throw new Error(`discord emulator: unknown guild ${id}`);
    return guild;
  }

  isThread(channel: ChannelJson): boolean {
    return channel.type === 10 || channel.type === 11 || channel.type === 12;
  }

  threads(): APIThreadChannel[] {
    return [...this.channels.values()].filter((c) => this.isThread(c)) as unknown as APIThreadChannel[];
  }

  messages(channelId: string): StoredMessage[] {
    return this.messagesByChannel.get(channelId) ?? [];
  }

  addMessage(message: StoredMessage): void {
    const list = this.messagesByChannel.get(message.channel_id) ?? [];
    list.push(message);
    this.messagesByChannel.set(message.channel_id, list);
    this.messageById.set(message.id, message);
    const channel = this.channels.get(message.channel_id);
    if (channel) {
      channel.last_message_id = message.id;
      if (this.isThread(channel)) {
        // Threads count messages (the starter message is not counted) and expose them as `position`.
        channel.message_count = Number(channel.message_count ?? 0) + 1;
        channel.total_message_sent = Number(channel.total_message_sent ?? 0) + 1;
        message.position = Number(channel.total_message_sent) - 1;
      }
    }
    this.emit('message', message);
  }

  removeMessage(message: StoredMessage): void {
    const list = this.messagesByChannel.get(message.channel_id) ?? [];
    const index = list.indexOf(message);
    if (index >= 0) list.splice(index, 1);
    this.messageById.delete(message.id);
    this.deletedMessageIds.push(message.id);
    const channel = this.channels.get(message.channel_id);
    if (channel && this.isThread(channel)) channel.message_count = Math.max(0, Number(channel.message_count ?? 1) - 1);
  }

  findMessage(channelId: string, messageId: string): StoredMessage | undefined {
    const message = this.messageById.get(messageId);
    return message?.channel_id === channelId ? message : undefined;
  }

  dispatch(t: string, d: unknown): void {
    this.emit('dispatch', t, d);
  }

  /** The time Discord's interaction deadlines (3 s to acknowledge, 15 min per token) are judged by. */
  now(): number {
    return this.onWorldClock(Date.now());
  }

  /** A time read from the real clock (a snowflake's, say), on the clock deadlines are judged by. */
  onWorldClock(realTime: number): number {
    return realTime + this.clockOffsetMs;
  }

  /** Lets `ms` pass for those deadlines at once, so a test sees one expire without sleeping. */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }
}

export function defaultConfig(options: Partial<WorldConfig>): WorldConfig {
  return {
    interactionAckDeadlineMs: options.interactionAckDeadlineMs ?? 3000,
    interactionTokenLifetimeMs: options.interactionTokenLifetimeMs ?? 15 * 60 * 1000,
    uploadLimitBytes: options.uploadLimitBytes ?? 10 * 1024 * 1024,
    botPermissions: options.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
    recommendedShards: options.recommendedShards ?? 1,
    maxConcurrency: options.maxConcurrency ?? 1,
  };
}

export { Perm };
