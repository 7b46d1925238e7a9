import type { BlobStore } from '../store/blobStore.js';
import { readInlineData } from '../gemini/inlineData.js';
import { isGone, withInteraction, type ConversationRecord } from './conversationRecord.js';
import type { ConversationStore } from './conversationStore.js';
import { finalImagesOf } from './editTarget.js';
import { storedAnswerImages } from './storedParts.js';

export interface BranchPoint {
  /** The conversation branched from, as read in its thread's line. */
  record: ConversationRecord;
  /** The turn the branch starts after: its history is every turn up to and including this one. */
  index: number;
}

/** An image of the branch point's answer, with its bytes, to post again where the branch begins. */
export interface BranchImage {
  mimeType: string;
  data: Buffer;
}

/**
 * The branch point's final images, read from the blob store, so members can
 * reply to the image in the new thread. Undefined when one of them is no
 * longer stored: a branch from an image nobody can see would build on nothing.
 */
export async function branchImages(deps: { blobs: BlobStore }, point: BranchPoint): Promise<BranchImage[] | undefined> {
  const exchange = point.record.exchanges[point.index];
  if (!exchange) return undefined;
  // Every image of the answer, interim ones too: the branch's history replays them all.
  const images = storedAnswerImages(exchange.model);
  if (images.some(isGone) || (await deps.blobs.hasAll(images.map((image) => image.sha256))).includes(false)) return undefined;
  const shown: BranchImage[] = [];
  for (const image of finalImagesOf(exchange.model)) {
    const mimeType = readInlineData(image.raw)?.mimeType;
    const base64 = isGone(image.blob) ? undefined : await deps.blobs.get(image.blob.sha256);
    if (base64 === undefined) return undefined;
    if (mimeType) shown.push({ mimeType, data: Buffer.from(base64, 'base64') });
  }
  return shown;
}

/**
 * Saves the new thread's conversation: the history up to the branch point,
 * its last answer now shown by `messageId` (the image posted again there).
 * The stored turns are shared, not copied: the record points at the same
 * image blobs, and both threads then go on independently.
 */
export async function saveBranch(
  deps: { conversations: ConversationStore },
  point: BranchPoint,
  branch: { threadId: string; messageId: string; now: Date; /** The channel the branch's thread is in. */ parentId: string },
): Promise<ConversationRecord> {
  const exchanges = point.record.exchanges.slice(0, point.index + 1);
  const last = exchanges[exchanges.length - 1];
  if (!last) throw new Error(`no turn ${point.index} to branch from in thread ${point.record.threadId}`);
  const now = branch.now.toISOString();
  // Google's interactions are shared too: a Delete in the branch must not remove what the first thread continues from.
  const copied = exchanges.map((exchange) => withInteraction(exchange, { shared: true }));
  const lastCopied = copied[copied.length - 1]!;
  // Listed before it is saved, as every record naming its channel is; one that could not be (logged) names no channel,
  // and its next turn lists it (saveExchange).
  const listed = await deps.conversations.byChannel.tryAdd({ guildId: point.record.guildId, channelId: branch.parentId }, branch.threadId);
  // Not the first thread's channel, nor what its Deletes still owe Google: that thread asks for those itself.
  const { parentId: _branchedFrom, forgetAtGoogle: _owedByTheFirst, ...copiedRecord } = point.record;
  const record: ConversationRecord = {
    ...copiedRecord,
    threadId: branch.threadId,
    ...(listed ? { parentId: branch.parentId } : {}),
    exchanges: [...copied.slice(0, -1), { ...lastCopied, model: { ...lastCopied.model, messageId: branch.messageId } }],
    createdAt: now,
    updatedAt: now,
  };
  await deps.conversations.save(record);
  return record;
}

/**
 * Marks the branched-from thread's interactions up to the branch point
 * `shared`, as the branch's copies are: without it a Delete, or deleting the
 * first thread, would remove at Google the interactions the branch continues
 * from. Called in that thread's line, on the record just read there. A branch
 * that then fails to open leaves the mark: those interactions only expire
 * with Google's retention instead of being deleted.
 */
export async function markSharedInOrigin(deps: { conversations: ConversationStore }, point: BranchPoint): Promise<void> {
  let changed = false;
  const exchanges = point.record.exchanges.map((exchange, index) => {
    if (index > point.index || exchange.model.api !== 'interactions' || exchange.model.interaction.shared) return exchange;
    changed = true;
    return withInteraction(exchange, { shared: true });
  });
  if (changed) await deps.conversations.save({ ...point.record, exchanges, updatedAt: new Date().toISOString() });
}
