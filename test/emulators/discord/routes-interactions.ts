import { errors, invalidFormBody } from './errors.js';
import { publishCreate, publishDelete, publishUpdate } from './events.js';
import { asBody, commitEdit, createMessage, editMessage, type Body } from './messages.js';
import { restMessageJson } from './payloads.js';
import { noContent, ok, route, type Reply, type RestContext, type Route } from './router.js';
import type { InteractionRecord, StoredMessage } from './types.js';

const EPHEMERAL = 64;
const LOADING = 128;

function interactionExtras(ctx: RestContext, record: InteractionRecord): Partial<StoredMessage> {
  return {
    application_id: ctx.world.applicationId,
    interaction_metadata: {
      id: record.id,
      type: record.type,
      user: record.user,
      authorizing_integration_owners: { '0': record.guildId },
      name: record.name,
      command_type: 1,
    } as StoredMessage['interaction_metadata'],
    interaction: { id: record.id, type: record.type, name: record.name, user: record.user } as StoredMessage['interaction'],
  };
}

/** Builds a response message (type 20 CHAT_INPUT_COMMAND, webhook_id = application id). */
function responseMessage(ctx: RestContext, record: InteractionRecord, body: Body, forcedFlags?: number, id?: string) {
  const message = createMessage(ctx, record.channelId, body, ctx.body.files, {
    author: ctx.world.botUser,
    type: 20,
    webhookId: ctx.world.applicationId,
    allowEphemeral: true,
    extra: interactionExtras(ctx, record),
  });
  if (forcedFlags !== undefined) message.flags = ((message.flags ?? 0) & ~EPHEMERAL) | (forcedFlags & EPHEMERAL);
  if (id) message.id = id;
  return message;
}

function callback(ctx: RestContext): Reply {
  const { world } = ctx;
  const record = world.interactions.get(ctx.params.interaction!);
  if (!record || record.token !== ctx.params.token) throw errors.unknownInteraction();
  if (record.ackedAt !== undefined) throw errors.alreadyAcknowledged();
  if (Date.now() - record.createdAt > world.config.interactionAckDeadlineMs) throw errors.unknownInteraction();
  const body = asBody(ctx.body.json);
  const data = asBody(body.data);
  const type = body.type;
  let message: StoredMessage | undefined;
  switch (type) {
    case 4:
      message = responseMessage(ctx, record, data);
      record.originalMessageId = message.id;
      record.originalCreated = true;
      break;
    case 5:
      record.originalMessageId = world.ids.next();
      break;
    case 9:
      if (typeof data.custom_id !== 'string' || typeof data.title !== 'string' || !Array.isArray(data.components)) {
        throw invalidFormBody([{ path: ['data'], code: 'MODAL_INVALID', message: 'Modal requires custom_id, title and components' }]);
      }
      record.modal = data;
      break;
    default:
      // 1 (PONG) is for PING, 6/7 for component interactions, 8 for autocomplete: invalid for slash commands.
      throw invalidFormBody([{ path: ['type'], code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: `Interaction response type ${String(type)} is not valid for this interaction` }]);
  }
  record.ackType = type;
  record.ackedAt = Date.now();
  record.ackFlags = typeof data.flags === 'number' ? data.flags : 0;
  if (message) publishCreate(world, message);
  if (ctx.query.get('with_response') !== 'true') return noContent();
  return ok({
    interaction: {
      id: record.id,
      type: record.type,
      activity_instance_id: undefined,
      response_message_id: record.originalMessageId,
      response_message_loading: type === 5,
      response_message_ephemeral: (record.ackFlags & EPHEMERAL) !== 0,
    },
    resource: { type, ...(message ? { message: restMessageJson(message) } : {}) },
  });
}

/** Interaction webhooks authenticate by token; it dies after the token lifetime (15 min on Discord). */
function webhookRecord(ctx: RestContext): InteractionRecord {
  if (ctx.params.app !== ctx.world.applicationId) throw errors.unknownWebhook();
  const record = ctx.world.interactionsByToken.get(ctx.params.token!);
  if (!record) throw errors.invalidWebhookToken();
  if (Date.now() - record.createdAt > ctx.world.config.interactionTokenLifetimeMs) throw errors.invalidWebhookToken();
  // The webhook only exists once the interaction has been acknowledged.
  if (record.ackedAt === undefined) throw errors.unknownWebhook();
  return record;
}

/** Deferred (type 5) with no message yet: the loading placeholder Discord shows. */
function pendingOriginal(record: InteractionRecord): boolean {
  return record.ackType === 5 && record.originalMessageId !== undefined && !record.originalCreated;
}

function targetMessage(ctx: RestContext, record: InteractionRecord): StoredMessage {
  const wanted = ctx.params.message === '@original' ? record.originalMessageId : ctx.params.message;
  const ownIds = [record.originalMessageId, ...record.followupIds];
  const message = wanted && ownIds.includes(wanted) ? ctx.world.messageById.get(wanted) : undefined;
  if (!message) throw errors.unknownMessage();
  return message;
}

function createOriginal(ctx: RestContext, record: InteractionRecord, body: Body): StoredMessage {
  // Ephemerality of a deferred reply is fixed by the defer's flags.
  const message = responseMessage(ctx, record, body, record.ackFlags ?? 0, record.originalMessageId);
  record.originalCreated = true;
  publishCreate(ctx.world, message);
  return message;
}

function loadingPlaceholder(ctx: RestContext, record: InteractionRecord): Body {
  return {
    id: record.originalMessageId,
    type: 20,
    content: '',
    channel_id: record.channelId,
    author: ctx.world.botUser,
    attachments: [],
    embeds: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: new Date(record.ackedAt ?? Date.now()).toISOString(),
    edited_timestamp: null,
    flags: LOADING | ((record.ackFlags ?? 0) & EPHEMERAL),
    components: [],
    webhook_id: ctx.world.applicationId,
    ...interactionExtras(ctx, record),
  };
}

export const interactionRoutes: Route[] = [
  route('POST', '/interactions/:interaction/:token/callback', callback, false),
  route(
    'POST',
    '/webhooks/:app/:token',
    (ctx) => {
      const record = webhookRecord(ctx);
      const body = asBody(ctx.body.json);
      // The first followup after a deferred reply replaces the loading message.
      if (pendingOriginal(record)) return ok(restMessageJson(createOriginal(ctx, record, body)));
      const message = responseMessage(ctx, record, body);
      record.followupIds.push(message.id);
      publishCreate(ctx.world, message);
      return ok(restMessageJson(message));
    },
    false,
  ),
  route(
    'GET',
    '/webhooks/:app/:token/messages/:message',
    (ctx) => {
      const record = webhookRecord(ctx);
      if (ctx.params.message === '@original' && pendingOriginal(record)) return ok(loadingPlaceholder(ctx, record));
      return ok(restMessageJson(targetMessage(ctx, record)));
    },
    false,
  ),
  route(
    'PATCH',
    '/webhooks/:app/:token/messages/:message',
    (ctx) => {
      const record = webhookRecord(ctx);
      const body = asBody(ctx.body.json);
      if (ctx.params.message === '@original' && pendingOriginal(record)) {
        return ok(restMessageJson(createOriginal(ctx, record, body)));
      }
      const stored = targetMessage(ctx, record);
      const next = editMessage(ctx, stored, body, ctx.body.files);
      publishUpdate(ctx.world, commitEdit(ctx.world, stored, next));
      return ok(restMessageJson(stored));
    },
    false,
  ),
  route(
    'DELETE',
    '/webhooks/:app/:token/messages/:message',
    (ctx) => {
      const record = webhookRecord(ctx);
      if (ctx.params.message === '@original' && pendingOriginal(record)) {
        // Deleting the loading message ends the deferred state without a message.
        record.originalCreated = true;
        return noContent();
      }
      publishDelete(ctx.world, targetMessage(ctx, record));
      return noContent();
    },
    false,
  ),
];
