import type { APIApplicationCommandOptionChoice, AutocompleteInteraction } from 'discord.js';
import type { BotContext } from '../discord/botContext.js';
import type { BotCommand } from '../discord/slashCommand.js';

/**
 * Suggestions while a member types in an autocomplete option. Discord takes
 * one answer, suggestions only, within 3 s, and shows nothing else: a
 * command without suggestions, a failure or a place outside a server all
 * answer with none ("no options match") rather than leave the member
 * waiting; a failure is logged for the operator.
 */
export async function handleAutocomplete(bot: BotContext, commands: readonly BotCommand[], interaction: AutocompleteInteraction): Promise<void> {
  const command = commands.find((candidate) => candidate.kind === 'slash' && candidate.data.name === interaction.commandName);
  let choices: APIApplicationCommandOptionChoice<string>[] = [];
  if (command?.kind === 'slash' && command.suggest && interaction.inGuild()) {
    try {
      choices = await command.suggest(interaction, bot);
    } catch (error) {
      bot.logger.error({ err: error, interactionId: interaction.id, command: interaction.commandName, guildId: interaction.guildId }, 'could not make suggestions');
    }
  }
  try {
    await interaction.respond(choices);
  } catch (error) {
    // Too late (10062) or Discord unreachable: the member's client just shows no suggestions.
    bot.logger.warn({ err: error, interactionId: interaction.id, command: interaction.commandName }, 'could not send suggestions');
  }
}
