import { gatewayMessageJson } from './payloads.js';
import type { World } from './state.js';
import type { StoredMessage } from './types.js';

// Ephemeral messages (flag 64) exist only for the invoking user: Discord never dispatches them.
const isEphemeral = (m: StoredMessage) => ((m.flags ?? 0) & 64) !== 0;

export function publishCreate(world: World, message: StoredMessage): void {
  world.addMessage(message);
  if (!isEphemeral(message)) world.dispatch('MESSAGE_CREATE', gatewayMessageJson(world, message));
}

export function publishUpdate(world: World, message: StoredMessage): void {
  if (!isEphemeral(message)) world.dispatch('MESSAGE_UPDATE', gatewayMessageJson(world, message));
}

export function publishDelete(world: World, message: StoredMessage): void {
  world.removeMessage(message);
  if (!isEphemeral(message)) {
    world.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: message.channel_id, guild_id: world.guildOf(message.channel_id) });
  }
}
