import type {
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../config/config.js';
import type { BotContext } from './botContext.js';

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
