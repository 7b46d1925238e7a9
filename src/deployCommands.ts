import { existsSync } from 'node:fs';
import { commands } from '../commands/index.js';
import { parseConfig } from './config/config.js';
import { registerCommands } from './discord/registerCommands.js';

// `npm run deploy-commands`: registers exactly the commands the bot handles.
if (existsSync('.env')) process.loadEnvFile('.env');
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  console.error(`Cannot deploy commands; fix these settings:\n${parsed.problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}
try {
  const registered = await registerCommands(parsed.config, commands);
  const where = registered.scope === 'guild' ? `server ${parsed.config.discordGuildId}` : 'all servers (global; may take up to an hour to appear)';
  console.log(`Registered ${registered.names.map((name) => `/${name}`).join(', ')} for ${where}.`);
} catch (error) {
  console.error(`Could not register the commands: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
