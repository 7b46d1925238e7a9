import type { BlobStore } from '../store/blobStore.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { ConversationRecord } from './conversationRecord.js';
import type { ConversationStore } from './conversationStore.js';
import { finalImagesOf } from './editTarget.js';
import { restoreParts } from './storedParts.js';

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
  const model = exchange && (await restoreParts(exchange.model.parts, deps.blobs));
  if (!model?.ok) return undefined;
  return finalImagesOf({ role: 'model', parts: model.parts }).flatMap((part) => {
    const inline = readInlineData(part);
    return inline?.mimeType ? [{ mimeType: inline.mimeType, data: Buffer.from(inline.data, 'base64') }] : [];
  });
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
  const copied = exchanges.map((exchange) => (exchange.interaction ? { ...exchange, interaction: { ...exchange.interaction, shared: true as const } } : exchange));
  const lastCopied = copied[copied.length - 1]!;
  // Listed before it is saved, as every record naming its channel is (saveExchange).
  await deps.conversations.byChannel.add({ guildId: point.record.guildId, channelId: branch.parentId }, branch.threadId);
  const record: ConversationRecord = {
    ...point.record,
    threadId: branch.threadId,
    parentId: branch.parentId,
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
    if (index > point.index || !exchange.interaction || exchange.interaction.shared) return exchange;
    changed = true;
    return { ...exchange, interaction: { ...exchange.interaction, shared: true as const } };
  });
  if (changed) await deps.conversations.save({ ...point.record, exchanges, updatedAt: new Date().toISOString() });
}
