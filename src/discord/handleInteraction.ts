import { MessageFlags, type Interaction } from 'discord.js';
import type { SlashCommand } from './slashCommand.js';
import type { BotContext } from './botContext.js';
import { reportUnexpectedError } from './reportUnexpectedError.js';
import { textPayload } from './toMessagePayload.js';

/** Routes a slash command to its handler; the same list feeds deploy-commands. */
export async function handleInteraction(
  bot: BotContext,
  commands: readonly SlashCommand[],
  interaction: Interaction,
): Promise<void> {
  if (!interaction.isChatInputCommand()) return;
  const command = commands.find((candidate) => candidate.data.name === interaction.commandName);
  if (!command) {
    await interaction.reply({ ...textPayload('I do not know that command any more.'), flags: MessageFlags.Ephemeral });
    return;
  }
  try {
    await command.execute(interaction, bot);
  } catch (error) {
    const text = reportUnexpectedError(bot, error, { command: interaction.commandName, interactionId: interaction.id });
    const payload = textPayload(text);
    if (interaction.deferred || interaction.replied) await interaction.editReply(payload).catch(() => undefined);
    else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral }).catch(() => undefined);
  }
}
