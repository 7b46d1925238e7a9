import type { BlobStore } from '../store/blobStore.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { ConversationRecord } from './conversationRecord.js';
import type { ConversationStore } from './conversationStore.js';
import { loadConversation } from './loadConversation.js';
import type { ThreadQueue } from './threadQueue.js';
import type { Logger } from 'pino';
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
  branch: { threadId: string; messageId: string; now: Date },
): Promise<ConversationRecord> {
  const exchanges = point.record.exchanges.slice(0, point.index + 1);
  const last = exchanges[exchanges.length - 1];
  if (!last) throw new Error(`no turn ${point.index} to branch from in thread ${point.record.threadId}`);
  const now = branch.now.toISOString();
  // Google's interactions are shared too: a Delete in the branch must not remove what the first thread continues from.
  const copied = exchanges.map((exchange) => (exchange.interaction ? { ...exchange, interaction: { ...exchange.interaction, shared: true as const } } : exchange));
  const lastCopied = copied[copied.length - 1]!;
  const record: ConversationRecord = {
    ...point.record,
    threadId: branch.threadId,
    exchanges: [...copied.slice(0, -1), { ...lastCopied, model: { ...lastCopied.model, messageId: branch.messageId } }],
    createdAt: now,
    updatedAt: now,
  };
  await deps.conversations.save(record);
  return record;
}

/**
 * Marks the branched-from thread's copied interactions `shared` too, in that
 * thread's line (the record is read again there: turns may have been added
 * since the branch point was read). Without it a Delete, or deleting the
 * first thread, would remove at Google the interactions the branch continues
 * from. Only the interactions the branch copied, found by id.
 */
export async function markSharedInOrigin(
  deps: { conversations: ConversationStore; blobs: BlobStore; logger: Logger; threadQueue: ThreadQueue },
  point: BranchPoint,
): Promise<void> {
  const copied = new Set(point.record.exchanges.slice(0, point.index + 1).flatMap((exchange) => (exchange.interaction ? [exchange.interaction.id] : [])));
  if (copied.size === 0) return;
  const { threadId, guildId } = point.record;
  await deps.threadQueue.run(threadId, async () => {
    const stored = await loadConversation(deps, threadId, guildId);
    if (stored.kind !== 'found') return;
    let changed = false;
    const exchanges = stored.record.exchanges.map((exchange) => {
      if (!exchange.interaction || exchange.interaction.shared || !copied.has(exchange.interaction.id)) return exchange;
      changed = true;
      return { ...exchange, interaction: { ...exchange.interaction, shared: true as const } };
    });
    if (changed) await deps.conversations.save({ ...stored.record, exchanges, updatedAt: new Date().toISOString() });
  });
}
