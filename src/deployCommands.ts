import { existsSync } from 'node:fs';
import { REST, Routes, type APIApplication } from 'discord.js';
import { commands } from '../commands/index.js';
import { parseConfig } from './config/config.js';

/**
 * Registers the command definitions with Discord: to one guild when
 * DISCORD_GUILD_ID is set (visible at once, good for testing), otherwise
 * globally. PUT replaces the whole list, so removed commands disappear.
 */
if (existsSync('.env')) process.loadEnvFile('.env');
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(`Cannot deploy commands; fix these settings:\n${parsed.problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}
const { config } = parsed;
const rest = new REST({ api: config.discordApiUrl }).setToken(config.discordToken);
const body = commands.map((command) => command.data);
try {
  const application = (await rest.get(Routes.currentApplication())) as APIApplication;
  const route = config.discordGuildId
    ? Routes.applicationGuildCommands(application.id, config.discordGuildId)
    : Routes.applicationCommands(application.id);
  await rest.put(route, { body });
  const where = config.discordGuildId ? `guild ${config.discordGuildId}` : 'all servers (global; may take up to an hour to appear)';
  console.log(`Registered ${body.length} command(s) for ${where}: ${body.map((command) => `/${command.name}`).join(', ')}`);
} catch (error) {
  console.error(`Could not register the commands: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
