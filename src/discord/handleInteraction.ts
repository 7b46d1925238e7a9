import { MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { parseCustomId } from '../components/customIds.js';
import { handleModalSubmit } from '../components/handleModalSubmit.js';
import { handleResultButton } from '../components/handleResultButton.js';
import type { BotContext } from './botContext.js';
import { reportUnexpectedError } from './reportUnexpectedError.js';
import type { BotCommand } from './slashCommand.js';
import { replyPrivately, textPayload } from './toMessagePayload.js';

const STALE_COMPONENT = 'This button belongs to an older version of me and no longer works. Start again with /imagine.';

/** Routes every interaction: commands by name, buttons and modals by their validated custom id. */
export async function handleInteraction(bot: BotContext, commands: readonly BotCommand[], interaction: Interaction): Promise<void> {
  if (!interaction.isRepliable()) return;
  try {
    await route(bot, commands, interaction);
  } catch (error) {
    const text = reportUnexpectedError(bot, error, { interactionId: interaction.id, type: interaction.type });
    const payload = textPayload(text);
    if (interaction.deferred || interaction.replied) await interaction.editReply(payload).catch(() => undefined);
    else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral }).catch(() => undefined);
  }
}

async function route(bot: BotContext, commands: readonly BotCommand[], interaction: RepliableInteraction): Promise<void> {
  if (interaction.isChatInputCommand()) {
    const command = commands.find((candidate) => candidate.kind === 'slash' && candidate.data.name === interaction.commandName);
    if (command?.kind === 'slash') return command.execute(interaction, bot);
  } else if (interaction.isMessageContextMenuCommand()) {
    const command = commands.find((candidate) => candidate.kind === 'message' && candidate.data.name === interaction.commandName);
    if (command?.kind === 'message') return command.execute(interaction, bot);
  } else if (interaction.isButton()) {
    const id = parseCustomId(interaction.customId);
    if (id?.kind === 'result') return handleResultButton(bot, interaction, id.action);
    return replyPrivately(interaction, STALE_COMPONENT);
  } else if (interaction.isModalSubmit()) {
    const id = parseCustomId(interaction.customId);
    if (id?.kind === 'edit-modal' || id?.kind === 'compose-modal') return handleModalSubmit(bot, interaction, id);
    return replyPrivately(interaction, STALE_COMPONENT);
  }
  return replyPrivately(interaction, 'I do not know that command any more.');
}

