import { ChannelType, PermissionFlagsBits, type ButtonInteraction } from 'discord.js';
import type { ConversationRecord } from '../conversation/conversationRecord.js';
import { finalImagesOf } from '../conversation/editTarget.js';
import { restoreParts } from '../conversation/storedParts.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { BotContext } from '../discord/botContext.js';
import { deliverAnswer } from '../discord/deliverAnswer.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import { fileExtension, threadName } from '../discord/renderOutcome.js';
import { describeMissingPermissions, missingPermissions } from '../discord/requiredPermissions.js';
import { textPayload, toMessagePayload } from '../discord/toMessagePayload.js';
import { uploadLimitForTier } from '../discord/uploadLimit.js';
import type { LocatedResult } from './locateResult.js';

/**
 * Opens a new thread whose history is this conversation up to this image.
 * The stored turns are shared, not copied: the record points at the same
 * image blobs. The branch point image is posted again in the new thread so
 * members can reply to it there; both threads then go on independently.
 */
export async function branchConversation(bot: BotContext, interaction: ButtonInteraction, located: Extract<LocatedResult, { ok: true }>): Promise<void> {
  const parent = located.thread.parent;
  const model = await restoreParts(located.exchange.model.parts, bot.blobs);
  if (!parent || parent.type !== ChannelType.GuildText || !model.ok) {
    await interaction.editReply(textPayload(describeRefusal({ kind: 'cannot-branch-here' })));
    return;
  }
  const images = finalImagesOf({ role: 'model', parts: model.parts }).flatMap((part) => {
    const inline = readInlineData(part);
    return inline?.mimeType ? [{ mimeType: inline.mimeType, data: Buffer.from(inline.data, 'base64') }] : [];
  });
  const me = parent.guild.members.me;
  const missing = missingPermissions(me ? parent.permissionsFor(me) : null, [PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.SendMessagesInThreads]);
  if (missing.length > 0) {
    await interaction.editReply(textPayload(describeMissingPermissions(missing)));
    return;
  }
  const branch = await parent.threads.create({ name: threadName(`Branch: ${located.thread.name}`), type: ChannelType.PublicThread });
  const starter = await deliverAnswer(
    { uploadLimitBytes: uploadLimitForTier(parent.guild.premiumTier), post: (message) => branch.send(toMessagePayload(message)) },
    {
      content: `-# Branched by <@${interaction.user.id}> from ${interaction.message.url}. Reply to this image to go on from here.`,
      files: images.map((image, index) => ({ name: `image-${index + 1}.${fileExtension(image.mimeType)}`, ...image })),
      buttons: true,
    },
    bot.logger,
  );
  const now = new Date().toISOString();
  const exchanges = located.record.exchanges.slice(0, located.index + 1);
  const last = exchanges[exchanges.length - 1]!;
  const record: ConversationRecord = {
    ...located.record,
    threadId: branch.id,
    exchanges: [...exchanges.slice(0, -1), { ...last, model: { ...last.model, messageId: starter.id } }],
    createdAt: now,
    updatedAt: now,
  };
  await bot.conversations.save(record);
  await interaction.editReply(textPayload(`Branched into <#${branch.id}>. Both threads now go on independently.`));
}
