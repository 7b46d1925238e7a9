import type { ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../discord/botContext.js';
import { channelOf } from '../discord/channelOf.js';
import type { FormTarget } from './interactionAuthority.js';
import type { MemberGrant } from '../discord/slashCommand.js';
import { interactionDelivery } from '../discord/interactionDelivery.js';
import { runTurn } from '../turn/runTurn.js';
import { grantedAccess } from '../turn/turnRequest.js';
import { turnDeliveryTo } from '../discord/turnDeliveryTo.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import { replyPrivately, textPayload } from '../discord/toMessagePayload.js';
import { imageAttachmentsOf } from '../discord/imageAttachments.js';
import { runResultTurn } from './resultTurn.js';
import { INSTRUCTION_INPUT } from './modals.js';

/** An instruction typed into one of the bot's modals, once the router checked the form's claims and the member's access. */
export async function handleModalSubmit(bot: BotContext, interaction: ModalSubmitInteraction, target: FormTarget, grant: MemberGrant): Promise<void> {
  // The form's fields are input like a prompt: a missing input is an empty instruction, not a crash.
  const field = interaction.fields.fields.get(INSTRUCTION_INPUT);
  const instruction = (field && 'value' in field && typeof field.value === 'string' ? field.value : '').trim();
  if (!instruction) {
    await replyPrivately(interaction, describeRefusal({ kind: 'empty-instruction' }));
    return;
  }
  if (target.kind === 'edit-modal') return editFromButton(bot, interaction, { messageId: target.messageId, instruction, ...grant });
  return composeFromMessage(bot, interaction, { messageId: target.messageId, instruction, ...grant });
}

interface FormTurn extends MemberGrant {
  messageId: string;
  instruction: string;
}

/** The Edit button's form: continues the conversation from that image, like a reply to it. */
function editFromButton(bot: BotContext, interaction: ModalSubmitInteraction, { messageId, instruction, ...grant }: FormTurn): Promise<void> {
  return runResultTurn(bot, interaction, { messageId, source: interaction.message ?? undefined }, grant, {
    prompt: instruction,
    replyToMessageId: messageId,
    // The image itself, for when the history cannot give it (a turn not saved, a stored image lost).
    repliedImages: interaction.message ? imageAttachmentsOf(interaction.message) : undefined,
    settings: {},
  });
}

/**
 * "Edit with Gemini": the message's images become references of a new
 * conversation (or a turn, inside a thread). The message is read through the
 * channel the form was submitted in, so it can only be one of this channel's.
 */
async function composeFromMessage(bot: BotContext, interaction: ModalSubmitInteraction, { messageId, instruction, response, settings: serverSettings }: FormTurn): Promise<void> {
  // Acknowledge first: fetching the channel and the message can take longer than Discord's 3 s.
  void response.defer('public');
  const channel = await channelOf(interaction);
  const message = channel?.isTextBased() ? await channel.messages.fetch(messageId).catch(() => null) : null;
  const images = message ? imageAttachmentsOf(message) : [];
  if (!channel || images.length === 0) {
    await response.acknowledged;
    await interaction.editReply(textPayload(describeRefusal({ kind: 'message-gone' })));
    return;
  }
  await runTurn(
    bot,
    {
      threadId: channel.isThread() ? channel.id : undefined,
      channelId: channel.isThread() ? undefined : channel.id,
      guildId: interaction.guildId ?? '',
      authorId: interaction.user.id,
      prompt: instruction,
      attachments: images,
      settings: {},
      access: grantedAccess(serverSettings),
    },
    turnDeliveryTo(interactionDelivery(response), bot.logger),
  );
}
