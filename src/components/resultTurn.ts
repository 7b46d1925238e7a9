import type { ButtonInteraction, Message, ModalSubmitInteraction } from 'discord.js';
import type { BotContext } from '../discord/botContext.js';
import type { MemberGrant } from '../discord/slashCommand.js';
import { threadDelivery } from '../discord/threadDelivery.js';
import { turnDeliveryTo } from '../discord/turnDeliveryTo.js';
import { runTurn } from '../turn/runTurn.js';
import { grantedAccess, type TurnRequest } from '../turn/turnRequest.js';
import { locateInConversation, resultThreadId } from './locateResult.js';

/** What a result button or the Edit form asks of the turn. */
export type ResultAsk = Pick<TurnRequest, 'prompt' | 'replyToMessageId' | 'repliedImages' | 'replay' | 'buildsOnReplied' | 'settings'>;

/**
 * A turn started on a result image (Reroll, Upscale, the Edit form): the
 * clicker follows it privately, and the answer goes to the conversation's
 * thread. The turn itself checks, on its one read of the conversation in the
 * thread's line, that the image is one of that conversation's turns and
 * belongs where the member clicked (locateInConversation).
 */
export async function runResultTurn(
  bot: BotContext,
  interaction: ButtonInteraction | ModalSubmitInteraction,
  result: { messageId: string; source: Message | undefined },
  { response, settings: serverSettings }: MemberGrant,
  ask: ResultAsk,
): Promise<void> {
  await response.defer('private');
  const { messageId } = result;
  const threadId = await resultThreadId(interaction, messageId);
  await runTurn(
    bot,
    {
      threadId,
      guildId: interaction.guildId ?? '',
      authorId: interaction.user.id,
      attachments: [],
      ...ask,
      access: grantedAccess(serverSettings),
      checkConversation: async (stored) => {
        const located = await locateInConversation(bot.logger, interaction, { threadId, messageId }, stored);
        return located.ok ? undefined : located.refusal;
      },
    },
    turnDeliveryTo(threadDelivery(response, threadId, result.source), bot.logger),
  );
}
