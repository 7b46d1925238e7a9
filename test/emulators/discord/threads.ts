import { errors, invalidFormBody } from './errors.js';
import { publishCreate, publishUpdate } from './events.js';
import { blankMessageFields, type Body } from './messages.js';
import { has, Perm } from './permissions.js';
import { humanPermissions } from './roles.js';
import type { ChannelJson, World } from './state.js';
import type { StoredMessage, User } from './types.js';

const ARCHIVE_DURATIONS = [60, 1440, 4320, 10080];

/**
 * Starts a thread. From a message it is a public thread (type 11) whose id IS the starter
 * message id; the starter stays in the parent and gains `thread` + HAS_THREAD (32).
 * Without a message, `type` defaults to PRIVATE_THREAD (12) in API v10.
 */
export function createThread(world: World, parent: ChannelJson, body: Body, starter?: StoredMessage): ChannelJson {
  if (parent.type !== 0 && parent.type !== 5) throw errors.wrongChannelType();
  const type = starter ? 11 : typeof body.type === 'number' ? body.type : 12;
  if (type !== 11 && type !== 12) throw errors.wrongChannelType();
  if (!world.botCan(type === 11 ? Perm.CreatePublicThreads : Perm.CreatePrivateThreads)) throw errors.missingPermissions();
  const name = body.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
    throw invalidFormBody([{ path: ['name'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' }]);
  }
  const autoArchive = body.auto_archive_duration ?? 4320;
  if (typeof autoArchive !== 'number' || !ARCHIVE_DURATIONS.includes(autoArchive)) {
    throw invalidFormBody([{ path: ['auto_archive_duration'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {60, 1440, 4320, 10080}.' }]);
  }
  if (starter && (starter.thread || world.channels.has(starter.id))) throw errors.threadAlreadyExists();
  const now = new Date().toISOString();
  const id = starter ? starter.id : world.ids.next();
  const thread: ChannelJson = {
    id,
    type,
    // A thread is in its parent channel's guild.
    guild_id: parent.guild_id,
    parent_id: parent.id,
    owner_id: world.botUser.id,
    name,
    last_message_id: null,
    rate_limit_per_user: typeof body.rate_limit_per_user === 'number' ? body.rate_limit_per_user : 0,
    flags: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    applied_tags: [],
    thread_metadata: {
      archived: false,
      auto_archive_duration: autoArchive,
      archive_timestamp: now,
      locked: false,
      create_timestamp: now,
      ...(type === 12 ? { invitable: body.invitable !== false } : {}),
    },
    member: { id, user_id: world.botUser.id, join_timestamp: now, flags: 1 },
  };
  world.channels.set(id, thread);
  world.messagesByChannel.set(id, []);
  world.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
  if (starter) {
    const { member: _member, ...threadJson } = thread;
    starter.thread = threadJson as unknown as StoredMessage['thread'];
    starter.flags = (starter.flags ?? 0) | 32;
    world.emit('message', starter);
    publishUpdate(world, starter);
  } else if (type === 11) {
    // Discord posts a THREAD_CREATED (18) system message in the parent for message-less public threads.
    publishCreate(world, systemThreadCreated(world, parent.id, thread));
  }
  return thread;
}

function systemThreadCreated(world: World, parentId: string, thread: ChannelJson): StoredMessage {
  return {
    ...blankMessageFields(),
    id: world.ids.next(),
    type: 18,
    content: thread.name,
    channel_id: parentId,
    author: world.botUser,
    message_reference: { type: 0, channel_id: thread.id, guild_id: thread.guild_id },
  };
}

/** A thread archives itself after inactivity; archived threads are left out of GUILD_CREATE, as on Discord. */
export function setArchived(world: World, threadId: string, archived: boolean): void {
  const thread = world.channel(threadId);
  if (!thread || !world.isThread(thread)) throw new Error(`discord emulator: ${threadId} is not a thread`);
  const metadata = thread.thread_metadata as Record<string, unknown>;
  if (metadata.archived === archived) return;
  metadata.archived = archived;
  metadata.archive_timestamp = new Date().toISOString();
  world.dispatch('THREAD_UPDATE', thread);
}

/** Sending a message in an archived thread unarchives it (Discord does this for anyone who may send there). */
export function unarchiveOnActivity(world: World, channelId: string): void {
  const channel = world.channel(channelId);
  if (channel && world.isThread(channel) && (channel.thread_metadata as { archived?: boolean }).archived) setArchived(world, channelId, false);
}

/**
 * A thread deleted, as Discord does it (DELETE /channels/{id}, or a member in
 * the client): its messages go with it, and THREAD_DELETE carries exactly
 * `{ id, guild_id, parent_id, type }`, no MESSAGE_DELETE for each message.
 * The starter message of a thread made from a message stays in the parent.
 */
export function removeThread(world: World, thread: ChannelJson): void {
  for (const message of world.messages(thread.id)) world.messageById.delete(message.id);
  world.messagesByChannel.delete(thread.id);
  world.channels.delete(thread.id);
  const starter = typeof thread.parent_id === 'string' ? world.findMessage(thread.parent_id, thread.id) : undefined;
  if (starter) delete starter.thread;
  world.dispatch('THREAD_DELETE', { id: thread.id, guild_id: thread.guild_id, parent_id: thread.parent_id, type: thread.type });
}

/**
 * A guild channel deleted, as Discord does it (DELETE /channels/{id}, or a
 * member in the client): its messages and every thread in it go with it,
 * archived ones too, and only CHANNEL_DELETE is dispatched, carrying the
 * channel object. Discord sends no THREAD_DELETE for the threads then (a
 * client that loses a channel gets no thread-specific event).
 */
export function removeChannel(world: World, channel: ChannelJson): void {
  if (world.isThread(channel)) throw new Error(`discord emulator: ${channel.id} is a thread; removeThread deletes threads`);
  for (const thread of [...world.channels.values()].filter((c) => world.isThread(c) && c.parent_id === channel.id)) {
    for (const message of world.messages(thread.id)) world.messageById.delete(message.id);
    world.messagesByChannel.delete(thread.id);
    world.channels.delete(thread.id);
  }
  for (const message of world.messages(channel.id)) world.messageById.delete(message.id);
  world.messagesByChannel.delete(channel.id);
  world.channels.delete(channel.id);
  world.dispatch('CHANNEL_DELETE', channel);
}

/** A member deletes a channel in their client: Discord lets only those who may Manage Channels. */
export function memberDeletesChannel(world: World, args: { user: User; channelId: string }): void {
  const channel = world.channel(args.channelId);
  if (!channel || world.isThread(channel)) throw new Error(`discord emulator: ${args.channelId} is not a guild channel`);
  world.assertMember(channel.guild_id, args.user);
  if (!has(humanPermissions(world, channel.guild_id, args.user.id), Perm.ManageChannels)) {
    throw new Error(`discord emulator: ${args.user.username} may not Manage Channels, so Discord does not let them delete a channel`);
  }
  removeChannel(world, channel);
}

/** A member deletes a thread in their client: Discord lets only those who may Manage Threads there. */
export function memberDeletesThread(world: World, args: { user: User; threadId: string }): void {
  const thread = world.channel(args.threadId);
  if (!thread || !world.isThread(thread)) throw new Error(`discord emulator: ${args.threadId} is not a thread`);
  world.assertMember(thread.guild_id, args.user);
  if (!has(humanPermissions(world, thread.guild_id, args.user.id), Perm.ManageThreads)) {
    throw new Error(`discord emulator: ${args.user.username} may not Manage Threads, so Discord does not let them delete a thread`);
  }
  removeThread(world, thread);
}
