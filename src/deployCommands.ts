import { commands } from '../commands/index.js';
import { readConfigOrExit } from './config/readConfigOrExit.js';
import { registerCommands } from './discord/registerCommands.js';

// `npm run deploy-commands`: registers exactly the commands the bot handles, with the settings `npm start` reads.
const config = readConfigOrExit('Cannot deploy the commands');
try {
  const registered = await registerCommands(config, commands);
  const where = registered.scope === 'guild' ? `server ${config.discordGuildId}` : 'all servers (global; may take up to an hour to appear)';
  console.log(`Registered ${registered.names.map((name) => `/${name}`).join(', ')} for ${where}.`);
} catch (error) {
  console.error(`Could not register the commands: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
