import { MessageFlags, type ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../discord/botContext.js';
import { settingsOrRefusal } from '../discord/memberAccess.js';
import type { EffectiveSettings } from '../settings/guildSettings.js';
import { interactionDelivery } from '../discord/interactionDelivery.js';
import { runConversationTurn } from '../discord/runConversationTurn.js';
import { threadDelivery } from '../discord/threadDelivery.js';
import { replyPrivately, textPayload } from '../discord/toMessagePayload.js';
import type { CustomId } from './customIds.js';
import { imageAttachmentsOf } from './imageAttachments.js';
import { locateResult } from './locateResult.js';
import { INSTRUCTION_INPUT } from './modals.js';

/** An instruction typed into one of the bot's modals. */
export async function handleModalSubmit(
  bot: BotContext,
  interaction: ModalSubmitInteraction,
  id: Extract<CustomId, { kind: 'edit-modal' | 'compose-modal' }>,
): Promise<void> {
  const serverSettings = await settingsOrRefusal(bot, interaction);
  if (!serverSettings) return;
  const instruction = interaction.fields.getTextInputValue(INSTRUCTION_INPUT).trim();
  if (!instruction) {
    await replyPrivately(interaction, 'Tell me what to change: the instruction was empty.');
    return;
  }
  if (id.kind === 'edit-modal') return editFromButton(bot, interaction, id.messageId, instruction, serverSettings);
  return composeFromMessage(bot, interaction, { channelId: id.channelId, messageId: id.messageId, instruction, serverSettings });
}

/** The Edit button: continues the conversation from that image, like a reply to it. */
async function editFromButton(
  bot: BotContext,
  interaction: ModalSubmitInteraction,
  messageId: string,
  instruction: string,
  serverSettings: EffectiveSettings,
): Promise<void> {
  const acknowledged = interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await acknowledged;
  const located = await locateResult(bot, interaction, messageId);
  if (!located.ok) {
    await interaction.editReply(textPayload(located.text));
    return;
  }
  await runConversationTurn(
    bot,
    {
      threadId: located.thread.id,
      guildId: located.record.guildId,
      authorId: interaction.user.id,
      prompt: instruction,
      attachments: [],
      replyToMessageId: messageId,
      settings: {},
      serverSettings,
    },
    threadDelivery(interaction, acknowledged, located.thread, interaction.message ?? undefined),
  );
}

/** "Edit with Gemini": the message's images become references of a new conversation (or a turn, inside a thread). */
async function composeFromMessage(
  bot: BotContext,
  interaction: ModalSubmitInteraction,
  { channelId, messageId, instruction, serverSettings }: { channelId: string; messageId: string; instruction: string; serverSettings: EffectiveSettings },
): Promise<void> {
  // Acknowledge first: fetching the channel and the message can take longer than Discord's 3 s.
  const acknowledged = interaction.deferReply();
  const channel = await interaction.client.channels.fetch(channelId).catch(() => null);
  const message = channel?.isTextBased() ? await channel.messages.fetch(messageId).catch(() => null) : null;
  const images = message ? imageAttachmentsOf(message) : [];
  if (!channel || images.length === 0) {
    await acknowledged;
    await interaction.editReply(textPayload('That message and its images are gone, so there is nothing to edit.'));
    return;
  }
  await runConversationTurn(
    bot,
    {
      threadId: channel.isThread() ? channel.id : undefined,
      guildId: interaction.guildId ?? '',
      authorId: interaction.user.id,
      prompt: instruction,
      attachments: images,
      settings: {},
      serverSettings,
    },
    interactionDelivery(interaction, acknowledged),
  );
}
