import type { ButtonInteraction } from 'discord.js';
import type { ImageSize } from '../gemini/imageOptions.js';
import type { BotContext } from '../discord/botContext.js';
import type { ResultAction } from '../discord/customIds.js';
import type { ResultTarget } from './interactionAuthority.js';
import type { InteractionResponse } from '../discord/interactionResponse.js';
import type { MemberGrant } from '../discord/slashCommand.js';
import type { EffectiveSettings } from '../settings/guildSettings.js';
import { runTurn } from '../turn/runTurn.js';
import { grantedAccess } from '../turn/turnRequest.js';
import { turnDeliveryTo } from '../discord/turnDeliveryTo.js';
import { threadDelivery } from '../discord/threadDelivery.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import { textPayload } from '../discord/toMessagePayload.js';
import { branchConversation } from './branchConversation.js';
import { deleteResult } from './deleteResult.js';
import { locateResult, type LocatedResult } from './locateResult.js';
import { imageAttachmentsOf } from '../discord/imageAttachments.js';
import { editModal } from './modals.js';

/**
 * Delete under a result image. Deleting one's own image stays possible
 * wherever it is, so the router lets it past the server's channel and role
 * settings; deleteResult checks who may.
 */
export async function handleDeleteButton(bot: BotContext, interaction: ButtonInteraction, target: ResultTarget, response: InteractionResponse): Promise<void> {
  const found = await deferAndLocate(bot, interaction, target, response);
  if (found.ok) await deleteResult(bot, interaction, found.located);
}

/** Any other button under a result image, once the router checked the member may use the bot here. */
export async function handleResultButton(
  bot: BotContext,
  interaction: ButtonInteraction,
  target: ResultTarget & { action: Exclude<ResultAction, 'delete'> },
  { response, settings: serverSettings }: MemberGrant,
): Promise<void> {
  const action = target.action;
  if (action === 'edit') {
    await interaction.showModal(editModal(target.messageId));
    return;
  }
  const found = await deferAndLocate(bot, interaction, target, response);
  if (!found.ok) return;
  const turn = { located: found.located, response, serverSettings };
  switch (action) {
    case 'reroll':
      return reroll(bot, interaction, turn);
    case 'upscale-2k':
    case 'upscale-4k':
      return upscale(bot, interaction, turn, action === 'upscale-2k' ? '2K' : '4K');
    case 'branch':
      return branchConversation(bot, interaction, found.located);
  }
}

/** Acknowledges the click privately and finds the conversation turn the button's image shows (or says why not). */
async function deferAndLocate(
  bot: BotContext,
  interaction: ButtonInteraction,
  target: ResultTarget,
  response: InteractionResponse,
): Promise<{ ok: true; located: Extract<LocatedResult, { ok: true }> } | { ok: false }> {
  await response.defer('private');
  const located = await locateResult(bot, interaction, target.messageId);
  if (located.ok) return { ok: true, located };
  await interaction.editReply(textPayload(describeRefusal(located.refusal)));
  return { ok: false };
}

/** What a button that starts a turn works with. */
interface ButtonTurn {
  located: Extract<LocatedResult, { ok: true }>;
  response: InteractionResponse;
  serverSettings: EffectiveSettings;
}

/**
 * The same turn again: the history before it and its user parts exactly, with
 * its image options. The new answer is added at the end of the thread.
 */
async function reroll(bot: BotContext, interaction: ButtonInteraction, { located, response, serverSettings }: ButtonTurn) {
  // The words, for the byline; the turn itself sends the stored parts again exactly (planTurn finds them, in line).
  const prompt = located.exchange.user.parts.flatMap(({ raw }) => (typeof raw['text'] === 'string' ? [raw['text']] : [])).join('\n');
  await runTurn(
    bot,
    {
      threadId: located.thread.id,
      guildId: located.record.guildId,
      authorId: interaction.user.id,
      prompt,
      attachments: [],
      replay: { messageId: located.exchange.model.messageId },
      settings: located.exchange.settings ?? {},
      access: grantedAccess(serverSettings),
    },
    turnDeliveryTo(threadDelivery(response, located.thread, interaction.message), bot.logger),
  );
}

/** Gemini has no upscaler: the image is redrawn from itself at the larger size. */
async function upscale(bot: BotContext, interaction: ButtonInteraction, { located, response, serverSettings }: ButtonTurn, imageSize: ImageSize) {
  await runTurn(
    bot,
    {
      threadId: located.thread.id,
      guildId: located.record.guildId,
      authorId: interaction.user.id,
      prompt: `Upscale this image to ${imageSize}: keep everything exactly as it is, only sharper and more detailed.`,
      attachments: [],
      replyToMessageId: interaction.message.id,
      // The image itself, for when the history cannot give it (a turn not saved, a stored image lost).
      repliedImages: imageAttachmentsOf(interaction.message),
      settings: { imageSize },
      access: grantedAccess(serverSettings),
    },
    turnDeliveryTo(threadDelivery(response, located.thread, interaction.message), bot.logger),
  );
}
