import type { BotCommand } from '../src/discord/slashCommand.js';
import { editWithGeminiCommand } from './editWithGemini.js';
import { helpCommand } from './help.js';
import { imagineCommand } from './imagine.js';
import { settingsCommand } from './settings.js';
import { usageCommand } from './usage.js';

/** The one list of commands: what deploy-commands registers is exactly what the bot handles. */
export const commands: readonly BotCommand[] = [imagineCommand, editWithGeminiCommand, settingsCommand, usageCommand, helpCommand];
