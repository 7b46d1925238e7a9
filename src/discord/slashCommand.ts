import {
  ApplicationIntegrationType,
  type APIApplicationCommandOptionChoice,
  type AutocompleteInteraction,
  InteractionContextType,
  type ChatInputCommandInteraction,
  type MessageContextMenuCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../config/config.js';
import type { EffectiveSettings } from '../settings/guildSettings.js';
import type { BotContext } from './botContext.js';
import type { InteractionResponse } from './interactionResponse.js';

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

/** What a command that makes images is given once the router let the member in (see Access). */
export interface MemberGrant {
  response: InteractionResponse;
  /** This server's settings as they apply here. */
  settings: EffectiveSettings;
}

/**
 * Who may run a command, enforced by the router before `execute`:
 * 'members' only where the server's /settings channels and role let them
 * (the commands that make images); 'anyone' in the server (help, usage, and
 * settings, which checks Manage Server itself); 'opens-form' for a command
 * whose one answer is a form: the router refuses a member the settings leave
 * out when it can tell within a second (refusalBeforeForm), else the form
 * opens (a form must be the first answer, within Discord's 3 s). The form
 * does nothing by itself: its submission is what acts, and the router checks
 * the member's access then, as for 'members'.
 */
export type Access<I> =
  | { access: 'members'; execute(interaction: I, bot: BotContext, grant: MemberGrant): Promise<void> }
  | { access: 'anyone'; execute(interaction: I, bot: BotContext, response: InteractionResponse): Promise<void> }
  | { access: 'opens-form'; execute(interaction: I, bot: BotContext): Promise<void> };

/** A slash command: the definition Discord registers, next to the handler that serves it. */
export type SlashCommand = {
  kind: 'slash';
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** The definition as deploy-commands registers it, when it depends on configuration (e.g. GEMINI_MODELS as choices); `data` otherwise. */
  deployData?(config: Config): RESTPostAPIChatInputApplicationCommandsJSONBody;
  /**
   * Suggestions for the option a member is typing in (one registered with
   * `autocomplete: true`), filtered by what they typed; the router sends them
   * (components/handleAutocomplete.ts). Suggestions only: whatever the member
   * finally sends is checked again when the command arrives.
   */
  suggest?(interaction: AutocompleteInteraction, bot: BotContext): Promise<APIApplicationCommandOptionChoice<string>[]>;
} & Access<ChatInputCommandInteraction>;

/** A message context menu command ("Apps → …" on a message). */
export type MessageCommand = {
  kind: 'message';
  data: RESTPostAPIContextMenuApplicationCommandsJSONBody;
} & Access<MessageContextMenuCommandInteraction>;

export type BotCommand = SlashCommand | MessageCommand;
