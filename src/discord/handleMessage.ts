import type { Message } from 'discord.js';
import type { AttachmentSource } from '../attachments/fetchAttachment.js';
import { imageAttachmentsOf } from './imageAttachments.js';
import type { BotContext } from './botContext.js';
import { checkAccess } from '../settings/checkAccess.js';
import { findLatestBotImages } from './findLatestBotImages.js';
import { keepTyping } from './keepTyping.js';
import { accessRequestOf } from './memberAccess.js';
import { messageDelivery, type MessageDelivery } from './messageDelivery.js';
import { readAddressing, type Addressing } from './readAddressing.js';
import { checkPermissions } from './requiredPermissions.js';
import { runTurn } from '../turn/runTurn.js';
import { turnDeliveryTo } from './turnDeliveryTo.js';
import { describeRefusal } from './describeRefusal.js';
import { textPayload } from './toMessagePayload.js';
import { reportUnexpectedError } from './reportUnexpectedError.js';
import { isThreadDeleted, reportThreadDeleted } from './reportThreadDeleted.js';

/**
 * A message that speaks to the bot becomes a turn: in a thread it continues
 * that thread's conversation, elsewhere it starts a new one. Never throws:
 * this is the one place a message's unexpected failure is told to its
 * author, where the request stood (its status reply, a sketch perhaps)
 * rather than in a second reply under a stale sketch, else in a reply.
 */
export async function handleMessage(bot: BotContext, message: Message): Promise<void> {
  if (!message.inGuild()) return;
  const addressing = readAddressing(message);
  if (!addressing) return;
  const delivery = messageDelivery(message, bot.logger);
  try {
    await answerMessage(bot, message, addressing, delivery);
  } catch (error) {
    const context = { messageId: message.id, channelId: message.channelId };
    // The message asked in the thread (or channel) that is gone: nobody is left there to tell.
    if (isThreadDeleted(error)) reportThreadDeleted(bot, error, context);
    else await delivery.explain(reportUnexpectedError(bot, error, context));
  }
}

async function answerMessage(bot: BotContext, message: Message<true>, addressing: Addressing, delivery: MessageDelivery): Promise<void> {
  // Claimed when it matters, and once: a second claim by this process would find its own.
  let claimed: Promise<boolean> | undefined;
  const claim = () => (claimed ??= claimMessage(bot, message));

  const problem = checkPermissions(message.channel.permissionsFor(message.client.user), {
    inThread: addressing.inThread,
    startsConversation: !addressing.inThread,
    viaInteraction: false,
  });
  if (problem) {
    bot.logger.warn({ channelId: message.channelId, missing: problem.missing }, 'missing permissions to answer a message');
    if (problem.canTell && (await claim())) await message.channel.send(textPayload(describeRefusal(problem.refusal)));
    return;
  }
  const access = () => checkAccess(bot, accessRequestOf(message, message.guild, message.guildId));
  if (!addressing.prompt && message.attachments.size === 0) {
    if (!(await claim())) return;
    // Where the server's settings keep the member out, the hint would invite a request that is then refused: say why instead.
    const allowed = await access();
    await message.reply(textPayload(describeRefusal(allowed.ok ? { kind: 'nothing-to-draw' } : allowed.refusal)));
    return;
  }

  const thread = message.channel.isThread() ? message.channel : undefined;
  const stopTyping = keepTyping(message, bot.logger);
  try {
    // No await since the message arrived: the turn takes its place in the thread's line in order of arrival.
    await runTurn(
      bot,
      {
        threadId: addressing.inThread ? message.channelId : undefined,
        channelId: thread ? undefined : message.channelId,
        claim,
        guildId: message.guildId,
        authorId: message.author.id,
        prompt: addressing.prompt,
        attachments: message.attachments.map((attachment) => ({ url: attachment.url, name: attachment.name, size: attachment.size })),
        replyToMessageId: addressing.replyToMessageId,
        repliedImages: repliedBotImages(message, addressing.replyToMessageId),
        latestPostedImages: thread && (() => findLatestBotImages(thread, bot.logger)),
        settings: {},
        access: { kind: 'read-in-line', read: access },
      },
      turnDeliveryTo(delivery, bot.logger),
    );
  } finally {
    stopTyping();
  }
}

/**
 * Whether this process answers the message (BotContext.claimEvent). A store
 * that cannot say is taken as yes: a member is better answered twice than
 * not at all, and a store that fails here fails the turn with its own message.
 */
export async function claimMessage(bot: BotContext, message: Message): Promise<boolean> {
  const claimed = await bot.claimEvent(message.id).catch((error: unknown) => {
    bot.logger.warn({ err: error, messageId: message.id }, 'could not claim a message; answering it');
    return true;
  });
  // Every message both processes saw ends in one answer or in this line: how an operator (and a test) sees who took it.
  if (!claimed) bot.logger.debug({ messageId: message.id }, 'message claimed by another process');
  return claimed;
}

/** The images of the bot's message this one replies to, when discord.js has it (Discord sends it with the reply). */
function repliedBotImages(message: Message<true>, repliedId: string | undefined): AttachmentSource[] | undefined {
  const replied = repliedId ? message.channel.messages.cache.get(repliedId) : undefined;
  return replied?.author.id === message.client.user.id ? imageAttachmentsOf(replied) : undefined;
}
