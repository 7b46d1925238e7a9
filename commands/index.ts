import type { SlashCommand } from '../src/discord/slashCommand.js';
import { imagineCommand } from './imagine.js';

/** The one list of commands: what deploy-commands registers is exactly what the bot handles. */
export const commands: readonly SlashCommand[] = [imagineCommand];
