import type { ImageSettings } from '../gemini/imageOptions.js';
import { CURRENT_RECORD_VERSION, type ConversationRecord, type Exchange, type StoredAnswer } from './conversationRecord.js';
import type { BlobStore } from '../store/blobStore.js';
import type { ConversationStore } from './conversationStore.js';
import type { OutgoingPart } from './outgoingParts.js';
import { storeAnswer, storeParts, type DecodedImage } from './storedParts.js';
import type { ModelAnswer } from '../gemini/modelAnswer.js';

export interface NewExchange {
  record: ConversationRecord | undefined;
  threadId: string;
  guildId: string;
  /** The channel the thread is in, when known: a record without one gets it, and is listed under it (ChannelThreads). */
  parentId?: string | undefined;
  model: string;
  settings: ImageSettings;
  authorId: string;
  /** The user turn as sent; an image re-sent from the history is kept as a reference to its blob. */
  userParts: OutgoingPart[];
  modelContent: ModelAnswer;
  /** The answer's images as the answer check decoded them, so storing them does not decode them again. */
  decodedImages?: readonly DecodedImage[] | undefined;
  messageId: string;
  now: Date;
  /**
   * The oldest turns the posted answer told the member that lost images leave out (its note), or 0 when it told
   * nothing: the record keeps the count (ConversationRecord.lostImageTurnsTold), which a note only ever raises.
   */
  lostImageTurnsTold: number;
}

/**
 * `channel-deleted`: the thread's channel was deleted before the record was
 * saved (ChannelThreads.tryAdd found its mark), and nothing was saved: a
 * record saved now would outlive the channel's forgetting. The caller keeps
 * nothing of the answer either.
 */
export type SavedExchange = { kind: 'saved'; record: ConversationRecord } | { kind: 'channel-deleted' };

/** Appends one answered turn and saves the record; throws if the store fails. */
export async function saveExchange(deps: { conversations: ConversationStore; blobs: BlobStore }, input: NewExchange): Promise<SavedExchange> {
  const timestamp = input.now.toISOString();
  // Listed before the record names its channel, so a record that does is always found when that channel is deleted;
  // alongside the images' blobs, so the member's turn does not wait for one more store round trip. A listing that
  // fails (logged) leaves the record not naming its channel, so the next turn lists it again: never the record lost.
  const listing = input.parentId !== undefined && input.record?.parentId === undefined
    ? deps.conversations.byChannel.tryAdd({ guildId: input.record?.guildId ?? input.guildId, channelId: input.parentId }, input.threadId)
    : 'not-listed';
  const [userParts, model, listed] = await Promise.all([storeParts(input.userParts, deps.blobs), storedAnswer(input, deps.blobs), listing]);
  // The images' blobs stay, as a forgotten record's do (ConversationStore.delete): blobs are shared by content.
  if (listed === 'channel-deleted') return { kind: 'channel-deleted' };
  const parentId = input.record?.parentId ?? (listed === 'listed' ? input.parentId : undefined);
  const exchange: Exchange = {
    user: { authorId: input.authorId, parts: userParts },
    model,
    settings: compactSettings(input.settings),
    createdAt: timestamp,
  };
  const told = input.lostImageTurnsTold > 0 ? { lostImageTurnsTold: input.lostImageTurnsTold } : {};
  const record: ConversationRecord = input.record
    ? { ...input.record, ...(parentId ? { parentId } : {}), ...told, exchanges: [...input.record.exchanges, exchange], updatedAt: timestamp }
    : {
        version: CURRENT_RECORD_VERSION,
        threadId: input.threadId,
        guildId: input.guildId,
        ...(parentId ? { parentId } : {}),
        model: input.model,
        settings: compactSettings(input.settings),
        ...told,
        exchanges: [exchange],
        createdAt: timestamp,
        updatedAt: timestamp,
      };
  await deps.conversations.save(record);
  return { kind: 'saved', record };
}

/** The answer as stored (its images in the blob store), with the bot message that shows it. */
async function storedAnswer(input: NewExchange, blobs: BlobStore): Promise<StoredAnswer> {
  return { ...(await storeAnswer(input.modelContent, blobs, input.decodedImages)), messageId: input.messageId };
}

function compactSettings(settings: ImageSettings): ConversationRecord['settings'] {
  return {
    ...(settings.aspectRatio ? { aspectRatio: settings.aspectRatio } : {}),
    ...(settings.imageSize ? { imageSize: settings.imageSize } : {}),
  };
}
