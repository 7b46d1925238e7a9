import type { BlobStore } from '../store/blobStore.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { Logger } from 'pino';
import type { ThreadQueue } from '../lines/threadQueue.js';
import { interactionOf, isGone, withInteraction, type ConversationRecord } from './conversationRecord.js';
import type { ConversationStore } from './conversationStore.js';
import { finalImagesOf } from './editTarget.js';
import { loadConversation } from './loadConversation.js';
import { storedAnswerImages } from './storedParts.js';

/**
 * A Branch whose channel was deleted before its record was saved (the
 * deletion's mark found): something members do, not a fault, reported as a
 * deleted thread is (discord/reportThreadDeleted.ts), at info level.
 */
export class ChannelDeletedError extends Error {}

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
  // The channel was deleted meanwhile, and with it the thread the branch opened in: it fails as a failed save does.
  if (listed === 'channel-deleted') throw new ChannelDeletedError(`the channel ${branch.parentId} was deleted before the branch ${branch.threadId} was saved`);
  // Not the first thread's channel, nor what its Deletes still owe Google: that thread asks for those itself. Nor
  // what its members were told lost images leave out: the branch is a new thread, whose first turn that leaves
  // those turns out tells its own members.
  const { parentId: _branchedFrom, forgetAtGoogle: _owedByTheFirst, lostImageTurnsTold: _toldInTheFirst, ...copiedRecord } = point.record;
  const record: ConversationRecord = {
    ...copiedRecord,
    threadId: branch.threadId,
    ...(listed === 'listed' ? { parentId: branch.parentId } : {}),
    exchanges: [...copied.slice(0, -1), { ...lastCopied, model: { ...lastCopied.model, messageId: branch.messageId } }],
    createdAt: now,
    updatedAt: now,
  };
  await deps.conversations.save(record);
  return record;
}

/**
 * Marks `shared`, in the branched-from thread's record, the interactions a
 * saved branch copied, as the branch's copies are: without it a Delete, or
 * deleting the first thread, would remove at Google the interactions the
 * branch continues from. Only once the branch is saved, so a Branch that
 * never opened marks nothing and a later Delete there still deletes. In that
 * thread's line, on its record read again there (turns may have been added
 * or deleted since the branch point was read), by interaction id. Throws when
 * the mark cannot be made to hold: the caller takes the branch back.
 */
export async function markSharedInOrigin(
  deps: { conversations: ConversationStore; logger: Logger; threadQueue: ThreadQueue },
  branch: ConversationRecord,
  origin: { threadId: string; guildId: string },
): Promise<void> {
  const copied = new Set(branch.exchanges.flatMap((exchange) => interactionOf(exchange)?.id ?? []));
  // generateContent keeps nothing at Google: nothing to mark, and no second read of the record.
  if (copied.size === 0) return;
  await deps.threadQueue.run(origin.threadId, async () => {
    const stored = await loadConversation(deps, origin.threadId, origin.guildId);
    // The thread was deleted meanwhile: its interactions were forgotten with it, and the branch replays what it copied.
    if (stored.kind === 'missing') return;
    // A record this build cannot read may still be read, and a Delete run on it, by another: the mark must hold there too.
    if (stored.kind !== 'found') throw new Error(`the branched-from conversation in thread ${origin.threadId} could not be read (${stored.kind}) to mark what the branch shares`);
    let changed = false;
    const exchanges = stored.record.exchanges.map((exchange) => {
      const interaction = interactionOf(exchange);
      // One a Delete already asked Google to delete is gone for both threads: the branch replays it when Google says so.
      if (!interaction || interaction.shared || interaction.forgotten || !copied.has(interaction.id)) return exchange;
      changed = true;
      return withInteraction(exchange, { shared: true });
    });
    if (changed) await deps.conversations.save({ ...stored.record, exchanges, updatedAt: new Date().toISOString() });
  });
}
