import { callback } from './callbacks.js';
import { errors } from './errors.js';
import { publishCreate, publishDelete, publishUpdate } from './events.js';
import { asBody, blankMessageFields, commitEdit, editMessage, type Body } from './messages.js';
import { replyReference, restMessageJson } from './payloads.js';
import { interactionExtras, responseMessage, responseType } from './responses.js';
import { noContent, ok, route, type RestContext, type Route } from './router.js';
import type { InteractionRecord, StoredMessage } from './types.js';

const EPHEMERAL = 64;
const LOADING = 128;

/** Interaction webhooks authenticate by token; it dies after the token lifetime (15 min on Discord). */
function webhookRecord(ctx: RestContext): InteractionRecord {
  if (ctx.params.app !== ctx.world.applicationId) throw errors.unknownWebhook();
  const record = ctx.world.interactionsByToken.get(ctx.params.token!);
  if (!record) throw errors.invalidWebhookToken();
  if (ctx.world.now() - record.createdAt > ctx.world.config.interactionTokenLifetimeMs) throw errors.invalidWebhookToken();
  // The webhook only exists once the interaction has been acknowledged, and never for suggestions (no message to follow).
  if (record.ackedAt === undefined || record.type === 4) throw errors.unknownWebhook();
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
  const { type, repliedTo } = responseType(ctx.world, record);
  return {
    id: record.originalMessageId,
    type,
    ...(repliedTo ? { message_reference: replyReference(ctx.world, repliedTo) } : {}),
    ...blankMessageFields(new Date(record.ackedAt ?? Date.now())),
    content: '',
    channel_id: record.channelId,
    author: ctx.world.botUser,
    flags: LOADING | ((record.ackFlags ?? 0) & EPHEMERAL),
    webhook_id: ctx.world.applicationId,
    ...interactionExtras(ctx.world, record),
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
