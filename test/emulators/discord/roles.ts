import { ALL_PERMISSIONS, EVERYONE_PERMISSIONS, Perm, has } from './permissions.js';
import type { World } from './state.js';
import type { User } from './types.js';

export interface RoleRecord {
  /** The guild the role is in: each GUILD_CREATE lists only its own. */
  guildId: string;
  id: string;
  name: string;
  permissions: bigint;
  /** Higher sorts above; @everyone is always 0. */
  position: number;
  managed: boolean;
  /** Managed roles carry `tags.bot_id` for the bot they belong to. */
  botId?: string;
}

/** Role object as the API sends it (GUILD_CREATE, GET /guilds/:id/roles, GUILD_ROLE_CREATE). */
export function roleJson(role: RoleRecord): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: String(role.permissions),
    managed: role.managed,
    mentionable: false,
    flags: 0,
    ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
  };
}

export function addRole(world: World, role: Omit<RoleRecord, 'position'> & { position?: number }): RoleRecord {
  const rolesOfGuild = [...world.roles.values()].filter((other) => other.guildId === role.guildId).length;
  const position = role.position ?? (role.id === role.guildId ? 0 : rolesOfGuild);
  const record: RoleRecord = { ...role, position };
  world.roles.set(record.id, record);
  return record;
}

export function rolesOf(world: World, guildId: string): RoleRecord[] {
  return [...world.roles.values()].filter((role) => role.guildId === guildId);
}

/** The role ids a member holds in a guild; never includes @everyone (Discord leaves it implicit). */
export function memberRoleIds(world: World, guildId: string, userId: string): string[] {
  if (userId === world.botUser.id) return [world.guild(guildId).botRoleId];
  // Tests give roles only in the first guild; in the second, humans have @everyone alone.
  return guildId === world.guildId ? [...(world.memberRoles.get(userId) ?? [])] : [];
}

/**
 * A human's permissions in a guild's channels: @everyone | their roles, everything for the owner or an
 * Administrator (Discord's computation; the emulator sets no member overwrites on channels).
 * A test override from setMemberPermissions replaces the computation in the first guild.
 */
export function humanPermissions(world: World, guildId: string, userId: string): bigint {
  const override = guildId === world.guildId ? world.permissionOverrides.get(userId) : undefined;
  if (override !== undefined) return override;
  if (userId === world.ownerId) return ALL_PERMISSIONS;
  let permissions = world.roles.get(guildId)?.permissions ?? EVERYONE_PERMISSIONS;
  for (const id of memberRoleIds(world, guildId, userId)) permissions |= world.roles.get(id)?.permissions ?? 0n;
  return has(permissions, Perm.Administrator) ? ALL_PERMISSIONS : permissions;
}

export function createRole(world: World, args: { name: string; permissions?: bigint }): { id: string } {
  if (args.name.length < 1 || args.name.length > 100) throw new Error('discord emulator: role names are 1-100 characters');
  const role = addRole(world, { guildId: world.guildId, id: world.ids.next(), name: args.name, permissions: args.permissions ?? 0n, managed: false });
  // discord.js resolves member.roles against guild.roles.cache, which this event fills (Guilds intent).
  world.dispatch('GUILD_ROLE_CREATE', { guild_id: role.guildId, role: roleJson(role) });
  return { id: role.id };
}

function knownHuman(world: World, user: User): void {
  if (!world.users.has(user.id) || user.id === world.botUser.id || !world.isMember(world.guildId, user.id)) {
    throw new Error(`discord emulator: ${user.username} is not a human member of the guild`);
  }
}

export function setMemberRoles(world: World, user: User, roleIds: string[], memberJson: () => Record<string, unknown>): void {
  knownHuman(world, user);
  for (const id of roleIds) {
    if (world.roles.get(id)?.guildId !== world.guildId || id === world.guildId) throw new Error(`discord emulator: unknown role ${id} (create it with createRole)`);
    if (world.roles.get(id)?.managed) throw new Error('discord emulator: managed roles cannot be assigned');
  }
  world.memberRoles.set(user.id, [...new Set(roleIds)]);
  // Only sent to sessions with the privileged GuildMembers intent (the gateway filters it).
  world.dispatch('GUILD_MEMBER_UPDATE', { guild_id: world.guildId, ...memberJson() });
}

export function setMemberPermissions(world: World, user: User, permissions: bigint): void {
  knownHuman(world, user);
  world.permissionOverrides.set(user.id, permissions);
}
