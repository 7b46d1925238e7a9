import { ChannelType, PermissionFlagsBits, type ButtonInteraction, type TextChannel, type ThreadChannel } from 'discord.js';
import { branchImages, markSharedInOrigin, saveBranch, type BranchImage, type BranchPoint } from '../conversation/branchConversation.js';
import type { ConversationRecord } from '../conversation/conversationRecord.js';
import type { BotContext } from '../discord/botContext.js';
import { deliverAnswer } from '../discord/deliverAnswer.js';
import { describeRefusal } from '../discord/describeRefusal.js';
import { fileExtension, threadName } from '../discord/renderOutcome.js';
import { missingPermissions } from '../discord/requiredPermissions.js';
import { textPayload, toMessagePayload } from '../discord/toMessagePayload.js';
import { uploadLimitForTier } from '../discord/uploadLimit.js';
import { resultButtonsFor } from '../discord/resultButtons.js';
import type { LocatedResult } from './locateResult.js';

/**
 * Branch: a new thread beside this one, whose conversation is this one up
 * to this image (conversation/branchConversation.ts keeps it). The image is
 * posted again in the new thread so members can reply to it there.
 */
export async function branchResult(bot: BotContext, interaction: ButtonInteraction, located: Extract<LocatedResult, { ok: true }>): Promise<void> {
  const parent = located.thread.parent;
  const point = { record: located.record, index: located.index };
  const images = await branchImages(bot, point);
  if (!parent || parent.type !== ChannelType.GuildText || !images) {
    await interaction.editReply(textPayload(describeRefusal({ kind: 'cannot-branch-here' })));
    return;
  }
  const me = parent.guild.members.me;
  const missing = missingPermissions(me ? parent.permissionsFor(me) : null, [PermissionFlagsBits.CreatePublicThreads, PermissionFlagsBits.SendMessagesInThreads]);
  if (missing.length > 0) {
    await interaction.editReply(textPayload(describeRefusal({ kind: 'missing-permissions', permissions: missing })));
    return;
  }
  const branch = await parent.threads.create({ name: threadName(`Branch: ${located.thread.name}`), type: ChannelType.PublicThread });
  // The new thread's line is taken now, with no await since it exists: a reply there waits for its record instead of
  // finding none and starting a conversation of its own (which one save would then overwrite).
  await bot.threadQueue.run(branch.id, () => postAndSaveBranch(bot, interaction, { parent, branch, images, point }));
  await interaction.editReply(textPayload(`Branched into <#${branch.id}>. Both threads now go on independently.`));
}

async function postAndSaveBranch(
  bot: BotContext,
  interaction: ButtonInteraction,
  { parent, branch, images, point }: { parent: TextChannel; branch: ThreadChannel; images: BranchImage[]; point: BranchPoint },
): Promise<void> {
  const starter = await deliverAnswer(
    { uploadLimitBytes: uploadLimitForTier(parent.guild.premiumTier), post: (message) => branch.send(toMessagePayload(message)) },
    {
      content: `-# Branched by <@${interaction.user.id}> from ${interaction.message.url}. Reply to this image to go on from here.`,
      files: images.map((image, index) => ({ name: `image-${index + 1}.${fileExtension(image.mimeType)}`, ...image })),
      buttons: resultButtonsFor(bot.config.imageModels.rangeOf(point.record.model)),
    },
    bot.logger,
  );
  const saved = await saveBranch(bot, point, { threadId: branch.id, messageId: starter.id, now: new Date(), parentId: parent.id });
  await shareWithOrigin(bot, saved, point);
}

/**
 * The first thread's turns are marked shared only now, with the branch saved:
 * a Branch refused or failed before this marks nothing, so a Delete there
 * still deletes at Google (a mark made first and undone on failure could be
 * left behind by a failed undo or a stopped process, and leave a member's
 * Delete undone for good). Still in the branch's line, so no turn there
 * continues from what it copied before the mark holds; the first thread's
 * line is taken inside it, which cannot deadlock: nothing in another thread's
 * line waits for this new thread's. Should the mark fail, the branch is
 * taken back and the Branch fails as a failed save does (the member is
 * told): no branch may stand on interactions its first thread does not know
 * it shares, which the first Delete there would delete at Google.
 */
async function shareWithOrigin(bot: BotContext, saved: ConversationRecord, point: BranchPoint): Promise<void> {
  try {
    await markSharedInOrigin(bot, saved, point.record);
  } catch (error) {
    await bot.conversations.delete(saved.threadId).catch((undoError: unknown) =>
      // Left standing, the branch still loses nothing: a continuation Google no longer knows is replayed from its record.
      bot.logger.error({ err: undoError, threadId: saved.threadId, originThreadId: point.record.threadId }, 'a branch whose first thread could not be marked shared could not be taken back'),
    );
    throw error;
  }
}
