import { errors, invalidFormBody } from './errors.js';
import { publishCreate, publishDelete, publishUpdate } from './events.js';
import { asBody, commitEdit, createMessage, editMessage } from './messages.js';
import { restMessageJson } from './payloads.js';
import { Perm } from './permissions.js';
import { noContent, ok, route, type RestContext, type Route } from './router.js';
import type { ChannelJson, World } from './state.js';
import type { StoredMessage } from './types.js';
import { createThread, removeChannel, removeThread } from './threads.js';

/** Resolves the channel and enforces VIEW_CHANNEL (Discord answers 50001 Missing Access without it). */
export function visibleChannel(ctx: RestContext): ChannelJson {
  const channel = ctx.world.channel(ctx.params.channel!);
  if (!channel) throw errors.unknownChannel();
  if (!ctx.world.botCan(Perm.ViewChannel)) throw errors.missingAccess();
  return channel;
}

function need(world: World, bit: bigint): void {
  if (!world.botCan(bit)) throw errors.missingPermissions();
}

function sendPermission(world: World, channel: ChannelJson): bigint {
  return world.isThread(channel) ? Perm.SendMessagesInThreads : Perm.SendMessages;
}

function existingMessage(ctx: RestContext, channel: ChannelJson): StoredMessage {
  if (!ctx.world.botCan(Perm.ReadMessageHistory)) throw errors.missingAccess();
  const message = ctx.world.findMessage(channel.id, ctx.params.message!);
  // Ephemeral messages exist only for one user's client; channel routes never see them.
  if (!message || ((message.flags ?? 0) & 64) !== 0) throw errors.unknownMessage();
  return message;
}

function listMessages(ctx: RestContext, channel: ChannelJson) {
  if (!ctx.world.botCan(Perm.ReadMessageHistory)) return ok([]);
  const limit = Number(ctx.query.get('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidFormBody([{ path: ['limit'], code: 'NUMBER_TYPE_MAX', message: 'int value should be less than or equal to 100.' }]);
  }
  const before = ctx.query.get('before');
  const after = ctx.query.get('after');
  let list = [...ctx.world.messages(channel.id)].filter((m) => ((m.flags ?? 0) & 64) === 0);
  if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
  if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
  // Discord returns newest first; with `after` it returns the messages closest to `after`.
  const picked = after ? list.slice(0, limit) : list.slice(-limit);
  return ok(picked.reverse().map(restMessageJson));
}

export const channelRoutes: Route[] = [
  route('GET', '/channels/:channel', (ctx) => ok(visibleChannel(ctx))),
  route('DELETE', '/channels/:channel', (ctx) => {
    const channel = visibleChannel(ctx);
    // Discord: Manage Threads for a thread, Manage Channels otherwise; the answer is the deleted channel object.
    if (!ctx.world.isThread(channel)) {
      need(ctx.world, Perm.ManageChannels);
      removeChannel(ctx.world, channel);
      return ok(channel);
    }
    need(ctx.world, Perm.ManageThreads);
    removeThread(ctx.world, channel);
    const { member: _member, ...deleted } = channel;
    return ok(deleted);
  }),
  route('GET', '/channels/:channel/messages', (ctx) => listMessages(ctx, visibleChannel(ctx))),
  route('GET', '/channels/:channel/messages/:message', (ctx) => {
    const channel = visibleChannel(ctx);
    return ok(restMessageJson(existingMessage(ctx, channel)));
  }),
  route('POST', '/channels/:channel/messages', (ctx) => {
    const { world } = ctx;
    const channel = visibleChannel(ctx);
    need(world, sendPermission(world, channel));
    if (ctx.body.files.length > 0) need(world, Perm.AttachFiles);
    const body = asBody(ctx.body.json);
    if (body.message_reference) need(world, Perm.ReadMessageHistory);
    const message = createMessage(ctx, channel.id, body, ctx.body.files, { author: world.botUser, allowReference: true });
    publishCreate(world, message);
    return ok(restMessageJson(message));
  }),
  route('PATCH', '/channels/:channel/messages/:message', (ctx) => {
    const channel = visibleChannel(ctx);
    const stored = existingMessage(ctx, channel);
    // Bots can only edit their own non-webhook messages (interaction replies are edited via the webhook).
    if (stored.author.id !== ctx.world.botUser.id || stored.webhook_id) throw errors.cannotEditOthers();
    if (ctx.body.files.length > 0) need(ctx.world, Perm.AttachFiles);
    const next = editMessage(ctx, stored, asBody(ctx.body.json), ctx.body.files);
    publishUpdate(ctx.world, commitEdit(ctx.world, stored, next));
    return ok(restMessageJson(stored));
  }),
  route('DELETE', '/channels/:channel/messages/:message', (ctx) => {
    const channel = visibleChannel(ctx);
    const stored = existingMessage(ctx, channel);
    if (stored.author.id !== ctx.world.botUser.id) need(ctx.world, Perm.ManageMessages);
    publishDelete(ctx.world, stored);
    return noContent();
  }),
  route('POST', '/channels/:channel/typing', (ctx) => {
    const channel = visibleChannel(ctx);
    need(ctx.world, sendPermission(ctx.world, channel));
    return noContent();
  }),
  route('PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', (ctx) => {
    const channel = visibleChannel(ctx);
    const stored = existingMessage(ctx, channel);
    need(ctx.world, Perm.AddReactions);
    const key = `${stored.id}:${ctx.params.emoji}`;
    const set = ctx.world.reactions.get(key) ?? new Set<string>();
    set.add(ctx.world.botUser.id);
    ctx.world.reactions.set(key, set);
    return noContent();
  }),
  route('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/@me', (ctx) => {
    const channel = visibleChannel(ctx);
    const stored = existingMessage(ctx, channel);
    ctx.world.reactions.get(`${stored.id}:${ctx.params.emoji}`)?.delete(ctx.world.botUser.id);
    return noContent();
  }),
  route('PUT', '/channels/:channel/thread-members/@me', (ctx) => {
    const channel = visibleChannel(ctx);
    if (!ctx.world.isThread(channel)) throw errors.wrongChannelType();
    return noContent();
  }),
  route('POST', '/channels/:channel/messages/:message/threads', (ctx) => {
    const channel = visibleChannel(ctx);
    if (!ctx.world.botCan(Perm.CreatePublicThreads)) throw errors.missingPermissions();
    const starter = ctx.world.findMessage(channel.id, ctx.params.message!);
    if (!starter) throw errors.unknownMessage();
    const thread = createThread(ctx.world, channel, asBody(ctx.body.json), starter);
    return { status: 201, body: thread };
  }),
  route('POST', '/channels/:channel/threads', (ctx) => {
    const channel = visibleChannel(ctx);
    const thread = createThread(ctx.world, channel, asBody(ctx.body.json));
    return { status: 201, body: thread };
  }),
];
