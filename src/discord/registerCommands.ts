import { REST, Routes, type APIApplication } from 'discord.js';
import type { Config } from '../config/config.js';
import type { BotCommand } from './slashCommand.js';

export interface RegisteredCommands {
  scope: 'guild' | 'global';
  names: string[];
}

/**
 * Registers the command definitions: to one guild when DISCORD_GUILD_ID is
 * set (visible at once), otherwise globally (Discord may take up to an hour
 * to show them). PUT replaces the whole list, so removed commands disappear.
 */
export async function registerCommands(config: Config, commands: readonly BotCommand[]): Promise<RegisteredCommands> {
  const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
  const application = (await rest.get(Routes.currentApplication())) as APIApplication;
  const route = config.discordGuildId
    ? Routes.applicationGuildCommands(application.id, config.discordGuildId)
    : Routes.applicationCommands(application.id);
  const body = commands.map((command) => (command.kind === 'slash' && command.deployData ? command.deployData(config) : command.data));
  await rest.put(route, { body });
  return { scope: config.discordGuildId ? 'guild' : 'global', names: commands.map((command) => command.data.name) };
}
