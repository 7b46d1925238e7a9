import type { Channel, Interaction } from 'discord.js';

/**
 * The channel an interaction came from. discord.js only looks in its cache,
 * and after a restart the cache holds active threads only: a button in a
 * thread that was archived days ago still works, so ask Discord then.
 */
export async function channelOf(interaction: Interaction): Promise<Channel | null> {
  if (interaction.channel) return interaction.channel;
  if (!interaction.channelId) return null;
  return interaction.client.channels.fetch(interaction.channelId).catch(() => null);
}
