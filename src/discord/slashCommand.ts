import {
  ApplicationIntegrationType,
  InteractionContextType,
  type ChatInputCommandInteraction,
  type MessageContextMenuCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../config/config.js';
import type { BotContext } from './botContext.js';

/**
 * Where every command is offered: in servers, by a bot installed to the
 * server (each needs the server's settings, limits and threads).
 */
export const SERVER_ONLY: { contexts: InteractionContextType[]; integration_types: ApplicationIntegrationType[] } = {
  contexts: [InteractionContextType.Guild],
  integration_types: [ApplicationIntegrationType.GuildInstall],
};

/** Discord offers at most 25 choices for an option. */
const MAX_CHOICES = 25;

/**
 * The allowed models as an option's choices; with more than Discord offers,
 * none, so the model is typed freely and checked when the command arrives.
 */
export function modelChoices(allowedModels: readonly string[]): { choices?: Array<{ name: string; value: string }> } {
  return allowedModels.length > MAX_CHOICES ? {} : { choices: allowedModels.map((model) => ({ name: model, value: model })) };
}

/** A slash command: the definition Discord registers, next to the handler that serves it. */
export interface SlashCommand {
  kind: 'slash';
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** The definition as deploy-commands registers it, when it depends on configuration (e.g. GEMINI_MODELS as choices); `data` otherwise. */
  deployData?(config: Config): RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, bot: BotContext): Promise<void>;
}

/** A message context menu command ("Apps → …" on a message). */
export interface MessageCommand {
  kind: 'message';
  data: RESTPostAPIContextMenuApplicationCommandsJSONBody;
  execute(interaction: MessageContextMenuCommandInteraction, bot: BotContext): Promise<void>;
}

export type BotCommand = SlashCommand | MessageCommand;
