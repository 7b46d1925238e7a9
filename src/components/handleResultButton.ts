import type { ButtonInteraction } from 'discord.js';
import type { ImageSize } from '../gemini/imageOptions.js';
import type { BotContext } from '../discord/botContext.js';
import type { ResultAction } from '../discord/customIds.js';
import type { ResultTarget } from './interactionAuthority.js';
import type { InteractionResponse } from '../discord/interactionResponse.js';
import type { MemberGrant } from '../discord/slashCommand.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import { textPayload } from '../discord/toMessagePayload.js';
import { branchResult } from './branchResult.js';
import { locateResult, type LocatedResult } from './locateResult.js';
import { imageAttachmentsOf } from '../discord/imageAttachments.js';
import { runResultTurn, type ResultAsk } from './resultTurn.js';

/** Any other button under a result image, once the router checked the member may use the bot here. */
export async function handleResultButton(
  bot: BotContext,
  interaction: ButtonInteraction,
  target: ResultTarget & { action: Exclude<ResultAction, 'delete' | 'edit'> },
  grant: MemberGrant,
): Promise<void> {
  const action = target.action;
  const result = { messageId: target.messageId, source: interaction.message };
  switch (action) {
    case 'reroll':
      // The same turn again: the history before it and its user parts exactly, with its words and image options
      // (planTurn finds them, in line). The new answer is added at the end of the thread.
      return runResultTurn(bot, interaction, result, grant, { prompt: '', replay: { messageId: target.messageId }, settings: {} });
    case 'upscale-2k':
    case 'upscale-4k':
      return runResultTurn(bot, interaction, result, grant, upscale(interaction, action === 'upscale-2k' ? '2K' : '4K'));
    case 'branch': {
      const found = await deferAndLocate(bot, interaction, target, grant.response);
      if (found.ok) await branchResult(bot, interaction, found.located);
      return;
    }
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

/** Gemini has no upscaler: the image is redrawn from itself at the larger size. */
function upscale(interaction: ButtonInteraction, imageSize: ImageSize): ResultAsk {
  return {
    prompt: `Upscale this image to ${imageSize}: keep everything exactly as it is, only sharper and more detailed.`,
    replyToMessageId: interaction.message.id,
    // The image as its own turn left it is all an upscale needs: on interactions it goes on from that turn's interaction.
    buildsOnReplied: true,
    // The image itself, for when the history cannot give it (a turn not saved, a stored image lost).
    repliedImages: imageAttachmentsOf(interaction.message),
    settings: { imageSize },
  };
}
