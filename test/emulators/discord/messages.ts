import type { APIAttachment } from 'discord.js';
import { guessContentType, storeAttachment } from './attachments.js';
import { numberComponents } from './components.js';
import { ApiError, errors, invalidFormBody, type FieldError } from './errors.js';
import { fileIndex } from './multipart.js';
import { replyReference } from './payloads.js';
import type { World } from './state.js';
import { unarchiveOnActivity } from './threads.js';
import type { StoredMessage, UploadedFile, User } from './types.js';
import { storedEmbeds, validateFields } from './validation.js';

export type Body = Record<string, unknown>;

export interface MessageContext {
  world: World;
  origin: string;
}

export interface CreateOptions {
  author: User;
  type?: number;
  /** Interaction responses are webhook messages: webhook_id = application id. */
  webhookId?: string;
  extra?: Partial<StoredMessage>;
  /** Interaction responses may be ephemeral (flag 64); channel messages may not. */
  allowEphemeral?: boolean;
  /** Channel messages may reply (message_reference); webhook messages ignore it. */
  allowReference?: boolean;
}

const MAX_ATTACHMENTS = 10;
// Flags a sender may set: SUPPRESS_EMBEDS, EPHEMERAL (interactions), SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2.
const SETTABLE_FLAGS = 4 | 64 | 4096 | 32768;

function storedComponents(components: unknown): NonNullable<StoredMessage['components']> {
  return Array.isArray(components) ? numberComponents(components as NonNullable<StoredMessage['components']>) : [];
}

export function asBody(json: unknown): Body {
  if (json === undefined || json === null) return {};
  if (typeof json !== 'object' || Array.isArray(json)) {
    throw invalidFormBody([{ path: [], code: 'DICT_TYPE_CONVERT', message: 'Only dictionaries may be used in a DictType' }]);
  }
  return json as Body;
}

/** Size first: Discord rejects an oversized upload with 413 before looking at the form. */
export function checkUploadSizes(world: World, files: UploadedFile[]): void {
  for (const file of files) {
    if (file.bytes.byteLength > world.config.uploadLimitBytes) throw errors.tooLarge();
  }
}

/**
 * Final attachment list: `attachments` in the payload lists what remains (existing ids) and
 * what is new (ids equal to the n of `files[n]`); uploads it does not mention are appended.
 */
function resolveAttachments(
  ctx: MessageContext,
  channelId: string,
  body: Body,
  files: UploadedFile[],
  existing: APIAttachment[],
  ephemeral: boolean,
): APIAttachment[] {
  const byIndex = new Map<string, UploadedFile>();
  files.forEach((file, i) => byIndex.set(fileIndex(file.fieldName) ?? `extra${i}`, file));
  const used = new Set<UploadedFile>();
  const upload = (file: UploadedFile, meta: Body = {}) => {
    used.add(file);
    return storeAttachment(ctx.world, ctx.origin, channelId, {
      bytes: file.bytes,
      filename: typeof meta.filename === 'string' ? meta.filename : file.filename,
      // Parts without a real type (discord.js leaves it blank unless it sniffs magic bytes) get one from the extension.
      contentType: file.contentType && file.contentType !== 'application/octet-stream' ? file.contentType : guessContentType(file.filename) ?? (file.contentType || undefined),
      description: typeof meta.description === 'string' ? meta.description : undefined,
      title: typeof meta.title === 'string' ? meta.title : undefined,
      ephemeral,
    });
  };
  const result: APIAttachment[] = [];
  if (Array.isArray(body.attachments)) {
    const problems: FieldError[] = [];
    (body.attachments as Body[]).forEach((entry, i) => {
      const id = String(entry?.id ?? '');
      const file = byIndex.get(id);
      const kept = existing.find((a) => a.id === id);
      if (file && !used.has(file)) result.push(upload(file, entry));
      else if (kept) result.push(kept);
      else problems.push({ path: ['attachments', i, 'id'], code: 'ATTACHMENT_NOT_FOUND', message: `Attachment data not found` });
    });
    if (problems.length > 0) throw invalidFormBody(problems);
  } else {
    // Without an `attachments` array an edit keeps what the message already had.
    result.push(...existing);
  }
  for (const file of files) if (!used.has(file)) result.push(upload(file));
  if (result.length > MAX_ATTACHMENTS) {
    throw invalidFormBody([{ path: ['attachments'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_ATTACHMENTS} or fewer in length.` }]);
  }
  return result;
}

function isEmpty(m: Pick<StoredMessage, 'content' | 'attachments' | 'embeds' | 'components' | 'sticker_items' | 'poll'>): boolean {
  return (
    m.content.trim() === '' &&
    m.attachments.length === 0 &&
    m.embeds.length === 0 &&
    (m.components ?? []).length === 0 &&
    (m.sticker_items ?? []).length === 0 &&
    m.poll === undefined
  );
}

/** Users pinged: `<@id>` in content (filtered by allowed_mentions) plus the replied-to author. */
export function computeMentions(world: World, content: string, allowed: unknown, repliedTo?: StoredMessage): User[] {
  const rules = allowed as { parse?: string[]; users?: string[]; replied_user?: boolean } | undefined;
  const ids = new Set<string>();
  for (const match of content.matchAll(/<@!?(\d{17,20})>/g)) {
    const id = match[1]!;
    if (!rules || rules.parse?.includes('users') || rules.users?.includes(id)) ids.add(id);
  }
  // Replies ping the replied-to author unless allowed_mentions is given without replied_user: true.
  if (repliedTo && (!rules || rules.replied_user === true)) ids.add(repliedTo.author.id);
  return [...ids].map((id) => world.users.get(id)).filter((u): u is User => u !== undefined);
}

function resolveReference(world: World, channelId: string, body: Body): StoredMessage | undefined | null {
  const ref = body.message_reference as Body | undefined;
  if (!ref || typeof ref !== 'object') return undefined;
  const target = typeof ref.message_id === 'string' ? world.messageById.get(ref.message_id) : undefined;
  // Replies stay in one channel, except that a thread may reply to its own starter message (id = thread id).
  const inScope = target && (target.channel_id === channelId || target.id === channelId);
  const channelMatches = target && (ref.channel_id === undefined || ref.channel_id === target.channel_id || ref.channel_id === channelId);
  if (target && inScope && channelMatches) return target;
  if (ref.fail_if_not_exists === false) return null;
  throw invalidFormBody([{ path: ['message_reference'], code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }]);
}

/** The fields every new message starts with (no attachments, mentions, embeds or components); the caller sets the rest. */
// Typed as a plain number: Discord's MessageFlags enum has no member for "none".
const NO_FLAGS: number = 0;

export function blankMessageFields(timestamp = new Date()) {
  return {
    attachments: [],
    embeds: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: timestamp.toISOString(),
    edited_timestamp: null,
    flags: NO_FLAGS,
    components: [],
  } satisfies Partial<StoredMessage>;
}

export function createMessage(ctx: MessageContext, channelId: string, body: Body, files: UploadedFile[], opts: CreateOptions): StoredMessage {
  const { world } = ctx;
  checkUploadSizes(world, files);
  unarchiveOnActivity(world, channelId);
  validateFields(body);
  const requestedFlags = typeof body.flags === 'number' ? body.flags : 0;
  const flags = requestedFlags & SETTABLE_FLAGS & (opts.allowEphemeral ? ~0 : ~64);
  const repliedTo = opts.allowReference ? resolveReference(world, channelId, body) : undefined;
  const content = typeof body.content === 'string' ? body.content : '';
  const message: StoredMessage = {
    type: repliedTo ? 19 : (opts.type ?? 0),
    content,
    mentions: computeMentions(world, content, body.allowed_mentions, repliedTo ?? undefined),
    mention_roles: [],
    attachments: resolveAttachments(ctx, channelId, body, files, [], (flags & 64) !== 0),
    embeds: storedEmbeds(body.embeds),
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags,
    components: storedComponents(body.components),
    id: world.ids.next(),
    channel_id: channelId,
    author: opts.author,
    pinned: false,
    mention_everyone: false,
    tts: body.tts === true,
    ...opts.extra,
  };
  if (body.nonce !== undefined) message.nonce = body.nonce as string;
  if (opts.webhookId) message.webhook_id = opts.webhookId;
  if (repliedTo) {
    message.message_reference = replyReference(world, repliedTo);
    message.referenced_message = stripInternal(repliedTo);
  }
  if ('allowed_mentions' in body) message.allowed_mentions = body.allowed_mentions;
  if (isEmpty(message)) throw errors.emptyMessage();
  return message;
}

/** Applies a PATCH body to a copy of the message; the caller stores it only if this does not throw. */
export function editMessage(ctx: MessageContext, message: StoredMessage, body: Body, files: UploadedFile[]): StoredMessage {
  checkUploadSizes(ctx.world, files);
  validateFields(body, message.flags ?? 0);
  const next: StoredMessage = { ...message };
  if ('content' in body) next.content = typeof body.content === 'string' ? body.content : '';
  if ('embeds' in body) next.embeds = storedEmbeds(body.embeds);
  if ('components' in body) next.components = storedComponents(body.components);
  // Only SUPPRESS_EMBEDS can be toggled on an existing message.
  if (typeof body.flags === 'number') next.flags = ((message.flags ?? 0) & ~4) | (body.flags & 4);
  if ('allowed_mentions' in body) next.allowed_mentions = body.allowed_mentions;
  next.attachments = resolveAttachments(ctx, message.channel_id, body, files, message.attachments, ((message.flags ?? 0) & 64) !== 0);
  if ('content' in body) {
    const repliedTo = message.referenced_message ? ctx.world.messageById.get(message.referenced_message.id) : undefined;
    next.mentions = computeMentions(ctx.world, next.content, next.allowed_mentions, repliedTo);
  }
  if (isEmpty(next)) throw errors.emptyMessage();
  next.edited_timestamp = new Date().toISOString();
  return next;
}

/** Copies `next` into the stored object in place so references held by tests stay current. */
export function commitEdit(world: World, stored: StoredMessage, next: StoredMessage): StoredMessage {
  for (const key of Object.keys(stored)) if (!(key in next)) delete (stored as unknown as Body)[key];
  Object.assign(stored, next);
  world.emit('message', stored);
  return stored;
}

export function stripInternal(message: StoredMessage): StoredMessage {
  const { allowed_mentions: _a, referenced_message: _r, ...rest } = message;
  return rest as StoredMessage;
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
