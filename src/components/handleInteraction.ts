import type {
  ButtonInteraction,
  ChatInputCommandInteraction,
  Interaction,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
  RepliableInteraction,
} from 'discord.js';
import { parseCustomId } from '../discord/customIds.js';
import { handleAutocomplete } from './handleAutocomplete.js';
import { handleModalSubmit } from './handleModalSubmit.js';
import { deleteResult } from './deleteResult.js';
import { editModal } from './modals.js';
import { handleResultButton } from './handleResultButton.js';
import type { BotContext } from '../discord/botContext.js';
import { verifyButton, verifyForm, type Verified } from './interactionAuthority.js';
import { InteractionResponse } from '../discord/interactionResponse.js';
import { refusalBeforeForm, settingsOrRefusal } from '../discord/memberAccess.js';
import { reportUnexpectedError } from '../discord/reportUnexpectedError.js';
import { isThreadDeleted, reportThreadDeleted } from '../discord/reportThreadDeleted.js';
import type { Access, BotCommand, MemberGrant } from '../discord/slashCommand.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import { replyPrivately } from '../discord/toMessagePayload.js';
import type { Refusal } from '../refusals/refusal.js';

/**
 * Every interaction passes here, and only here: whatever a handler throws,
 * the member gets an answer (the deferred reply edited, or a private reply;
 * for autocomplete, suggestions or none), and the cause is logged with the
 * reference the member reads; a thread deleted under the request is no fault,
 * and the member reads just that.
 */
export async function handleInteraction(bot: BotContext, commands: readonly BotCommand[], interaction: Interaction): Promise<void> {
  // Suggestions are not repliable: Discord takes one list of choices and nothing else.
  if (interaction.isAutocomplete()) return handleAutocomplete(bot, commands, interaction);
  if (!interaction.isRepliable()) return;
  const response = new InteractionResponse(interaction);
  try {
    await route(bot, commands, interaction, response);
  } catch (error) {
    const context = { interactionId: interaction.id, type: interaction.type, guildId: interaction.guildId };
    const text = isThreadDeleted(error) ? reportThreadDeleted(bot, error, context) : reportUnexpectedError(bot, error, context);
    const told = await response.explain(text);
    if (!told) bot.logger.warn({ interactionId: interaction.id }, 'could not tell the member about an error');
  }
}

type Routed = ChatInputCommandInteraction | MessageContextMenuCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/**
 * Commands by name, buttons and forms by their custom id, each let through
 * only as far as what Discord vouches for allows: the server and channel
 * settings for the member (settingsOrRefusal), and the ids a custom id
 * claims (interactionAuthority.ts).
 */
async function route(bot: BotContext, commands: readonly BotCommand[], interaction: RepliableInteraction, response: InteractionResponse): Promise<void> {
  if (!isRouted(interaction)) return refuse(interaction, { kind: 'unknown-command' });
  // Every command is registered for servers only; anything else (a DM, a user-installed context) has no server settings to obey.
  if (!interaction.inGuild()) return refuse(interaction, { kind: 'servers-only' });
  const grant = async (): Promise<MemberGrant | undefined> => {
    const settings = await settingsOrRefusal(bot, interaction);
    return settings ? { response, settings } : undefined;
  };

  if (interaction.isChatInputCommand()) {
    const command = commands.find((candidate) => candidate.kind === 'slash' && candidate.data.name === interaction.commandName);
    return command?.kind === 'slash' ? runCommand(command, interaction, bot, response, grant) : refuse(interaction, { kind: 'unknown-command' });
  }
  if (interaction.isMessageContextMenuCommand()) {
    const command = commands.find((candidate) => candidate.kind === 'message' && candidate.data.name === interaction.commandName);
    return command?.kind === 'message' ? runCommand(command, interaction, bot, response, grant) : refuse(interaction, { kind: 'unknown-command' });
  }

  if (interaction.isButton()) {
    const verified = await verifiedOrRefused(bot, interaction, verifyButton(interaction, parseCustomId(interaction.customId)));
    if (!verified) return;
    const { action } = verified;
    // Deleting one's own image stays possible wherever it is, so Delete skips the server's channel and role settings; deleteResult checks who may.
    if (action === 'delete') return deleteResult(bot, interaction, verified, response);
    // A form must be the first answer, within Discord's 3 s: the settings get a bounded look first (refusalBeforeForm).
    // The form does nothing by itself; its submission is checked below like any form (the member's access included).
    if (action === 'edit') {
      const refusal = await refusalBeforeForm(bot, interaction);
      if (refusal) return refuse(interaction, refusal);
      await interaction.showModal(editModal(verified.messageId));
      return;
    }
    const granted = await grant();
    if (granted) await handleResultButton(bot, interaction, { ...verified, action }, granted);
    return;
  }

  const verified = await verifiedOrRefused(bot, interaction, verifyForm(interaction, parseCustomId(interaction.customId), bot.formSigningKey));
  if (!verified) return;
  const granted = await grant();
  if (granted) await handleModalSubmit(bot, interaction, verified, granted);
}

/** A refusal as the first answer: one private sentence. */
function refuse(interaction: RepliableInteraction, refusal: Refusal): Promise<void> {
  return replyPrivately(interaction, describeRefusal(refusal));
}

/** A command's own access rule, applied before it runs. */
async function runCommand<I extends RepliableInteraction>(
  command: Access<I>,
  interaction: I,
  bot: BotContext,
  response: InteractionResponse,
  grant: () => Promise<MemberGrant | undefined>,
): Promise<void> {
  if (command.access === 'anyone') return command.execute(interaction, bot, response);
  if (command.access === 'opens-form') {
    const refusal = await refusalBeforeForm(bot, interaction);
    if (refusal) return refuse(interaction, refusal);
    return command.execute(interaction, bot);
  }
  const granted = await grant();
  if (granted) await command.execute(interaction, bot, granted);
}

function isRouted(interaction: Interaction): interaction is Routed {
  return interaction.isChatInputCommand() || interaction.isMessageContextMenuCommand() || interaction.isButton() || interaction.isModalSubmit();
}

/** The checked target, or undefined once the member was told why not (and a claim that failed was logged for the operator). */
async function verifiedOrRefused<T>(bot: BotContext, interaction: ButtonInteraction | ModalSubmitInteraction, verified: Verified<T>): Promise<T | undefined> {
  if (verified.ok) return verified.target;
  if (verified.refusal.kind === 'form-not-here') {
    bot.logger.warn(
      { guildId: interaction.guildId, channelId: interaction.channelId, userId: interaction.user.id, customId: interaction.customId.slice(0, 100) },
      'refused: a custom id named another message or channel',
    );
  }
  await refuse(interaction, verified.refusal);
  return undefined;
}
