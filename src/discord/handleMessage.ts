import type { Message } from 'discord.js';
import type { BotContext } from './botContext.js';
import { collectReferences } from './collectReferences.js';
import { renderOutcome } from './renderOutcome.js';
import { runConversationTurn } from './runConversationTurn.js';
import { textPayload, toMessagePayload } from './toMessagePayload.js';
import { keepTyping } from './keepTyping.js';
import { messageDelivery } from './messageDelivery.js';
import { describeMissingPermissions, missingPermissions, permissionsNeeded } from './requiredPermissions.js';

/**
 * Messages become turns when they speak to the bot: in a thread, a reply to
 * one of its messages or an explicit mention; elsewhere, an explicit mention
 * starts a new conversation. Everything else is people talking.
 */
export async function handleMessage(bot: BotContext, message: Message): Promise<void> {
  if (message.author.bot || !message.inGuild()) return;
  const botId = message.client.user.id;
  const mentionPattern = new RegExp(`<@!?${botId}>`, 'g');
  // A reply that pings the bot also lists it in `mentions`; only the text says it was mentioned on purpose.
  const mentioned = mentionPattern.test(message.content);
  const repliesToBot = message.reference?.messageId !== undefined && message.mentions.repliedUser?.id === botId;
  const inThread = message.channel.isThread();
  if (!(mentioned || (inThread && repliesToBot))) return;

  const missing = missingPermissions(
    message.channel.permissionsFor(message.client.user),
    permissionsNeeded({ inThread, startsConversation: !inThread, viaInteraction: false }),
  );
  if (missing.length > 0) {
    bot.logger.warn({ channelId: message.channelId, missing }, 'missing permissions to answer a message');
    // Without a way to send here, the log line is all we can do.
    if (!missing.includes('Send Messages') && !missing.includes('Send Messages in Threads') && !missing.includes('View Channel')) {
      await message.channel.send(textPayload(describeMissingPermissions(missing)));
    }
    return;
  }

  const prompt = message.content.replace(mentionPattern, '').trim();
  if (!prompt && message.attachments.size === 0) {
    await message.reply(textPayload('Tell me what to draw, for example: `@me a watercolor fox`, or attach images to compose from.'));
    return;
  }

  const stopTyping = keepTyping(message, bot);
  try {
    const references = await collectReferences(
      bot,
      message.attachments.map((attachment) => ({ url: attachment.url, name: attachment.name, size: attachment.size })),
    );
    if (!references.ok) {
      await message.reply(toMessagePayload(renderOutcome(references.outcome)));
      return;
    }
    await runConversationTurn(
      bot,
      {
        threadId: inThread ? message.channelId : undefined,
        guildId: message.guildId,
        authorId: message.author.id,
        prompt,
        references: references.parts,
        replyToMessageId: repliesToBot ? message.reference?.messageId : undefined,
        settings: {},
      },
      messageDelivery(message),
    );
  } finally {
    stopTyping();
  }
}
