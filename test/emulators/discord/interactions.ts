import { channelPermissions, interactionChannelJson } from './guild.js';
import { memberJson, restMessageJson } from './payloads.js';
import { snowflakeTimestamp } from './snowflake.js';
import type { World } from './state.js';
import type { InteractionRecord, StoredMessage, User } from './types.js';

export interface InteractionSpec {
  /** 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 APPLICATION_COMMAND_AUTOCOMPLETE, 5 MODAL_SUBMIT. */
  type: 2 | 3 | 4 | 5;
  user: User;
  channelId: string;
  name: string;
  data: Record<string, unknown>;
  /** Component interactions (and modal submits from one) carry the message the component is on. */
  message?: StoredMessage;
  record?: Partial<InteractionRecord>;
  /** See InteractionTiming. */
  createdAgoMs?: number;
}

export function channelOrThrow(world: World, channelId: string) {
  const channel = world.channel(channelId);
  if (!channel) throw new Error(`discord emulator: unknown channel ${channelId}`);
  return channel;
}

/** Dispatches INTERACTION_CREATE shaped like Discord's guild interactions and records it. */
export function dispatchInteraction(world: World, spec: InteractionSpec): { interactionId: string; token: string } {
  const guildId = channelOrThrow(world, spec.channelId).guild_id;
  world.assertMember(guildId, spec.user);
  const createdAgoMs = spec.createdAgoMs ?? 0;
  if (!Number.isFinite(createdAgoMs) || createdAgoMs < 0) throw new Error(`discord emulator: createdAgoMs must be a finite number >= 0, not ${createdAgoMs}`);
  // The id carries the creation time (discord.js reads it as createdTimestamp), on the real clock the bot reads too.
  const now = Date.now();
  const id = createdAgoMs > 0 ? world.ids.at(now - createdAgoMs) : world.ids.next(now);
  const token = world.newInteractionToken();
  const payload: Record<string, unknown> = {
    app_permissions: String(world.config.botPermissions),
    application_id: world.applicationId,
    // Max upload size the bot may use in its reply (guild boost tier 0 = 10 MiB).
    attachment_size_limit: world.config.uploadLimitBytes,
    authorizing_integration_owners: { '0': guildId },
    channel: interactionChannelJson(world, spec.channelId, spec.user.id),
    channel_id: spec.channelId,
    context: 0,
    data: spec.data,
    entitlement_sku_ids: [],
    entitlements: [],
    guild: { id: guildId, locale: 'en-US', features: [] },
    guild_id: guildId,
    guild_locale: 'en-US',
    id,
    locale: 'en-US',
    // Guild interactions carry the member (with roles and channel permissions), not a top-level user.
    member: { ...memberJson(world, guildId, spec.user), permissions: String(channelPermissions(world, spec.channelId, spec.user.id)) },
    token,
    type: spec.type,
    version: 1,
  };
  if (spec.message) payload.message = restMessageJson(spec.message);
  const record: InteractionRecord = {
    id,
    token,
    type: spec.type,
    name: spec.name,
    user: spec.user,
    channelId: spec.channelId,
    guildId,
    createdAt: world.onWorldClock(snowflakeTimestamp(id)),
    dispatchedAt: world.onWorldClock(now),
    followupIds: [],
    payload,
    ...spec.record,
  };
  world.interactions.set(id, record);
  world.interactionsByToken.set(token, record);
  world.dispatch('INTERACTION_CREATE', payload);
  return { interactionId: id, token };
}

/** Resolves once the interaction has been acknowledged (the callback route emits 'ack'). */
export function waitForAck(world: World, interactionId: string, timeoutMs: number): Promise<InteractionRecord> {
  const record = world.interactions.get(interactionId);
  if (!record) return Promise.reject(new Error(`discord emulator: unknown interaction ${interactionId}`));
  if (record.ackedAt !== undefined) return Promise.resolve(record);
  return new Promise((resolve, reject) => {
    const onAck = (acked: InteractionRecord) => {
      if (acked.id !== interactionId) return;
      cleanup();
      resolve(acked);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`discord emulator: interaction ${interactionId} (${record.name}) not acknowledged within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      world.off('ack', onAck);
    };
    world.on('ack', onAck);
  });
}
