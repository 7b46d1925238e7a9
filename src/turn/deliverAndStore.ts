import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConversationStore } from '../conversation/conversationStore.js';
import { saveExchange } from '../conversation/saveExchange.js';
import type { ThreadQueue } from '../lines/threadQueue.js';
import type { ModelAnswer } from '../gemini/modelAnswer.js';
import type { BlobStore } from '../store/blobStore.js';
import type { GeneratedTurn } from './generateTurn.js';
import type { PhaseClock } from './logGeneration.js';
import type { PlannedTurn } from './plannedTurn.js';
import type { PostedAnswer, TurnDelivery } from './turnRequest.js';

/** What posting and keeping an answer needs: the stores, the thread's line (a new conversation's), a logger. */
export interface StoreDependencies {
  conversations: ConversationStore;
  blobs: BlobStore;
  threadQueue: ThreadQueue;
  logger: Logger;
}

/**
 * Whether the thread's record holds the answer. Set the moment the save
 * lands, before the steps after it (a new conversation's thread, a warning)
 * that may still throw: an answer the record names is never discarded.
 */
interface Keeping {
  kept: boolean;
}

/**
 * Posts the turn's outcome, then keeps the exchange when its answer can be
 * replayed, where the plan says (GoPlan.store): added to the thread's record,
 * or a new record for a new conversation or a fresh start. `clock` (timing only) marks the end of the
 * upload, the save and the thread's opening.
 */
export async function deliverAndStore(deps: StoreDependencies, planned: PlannedTurn, delivery: TurnDelivery, turn: GeneratedTurn, clock?: PhaseClock): Promise<void> {
  const keeping: Keeping = { kept: false };
  try {
    await postAndKeep(deps, planned, delivery, turn, keeping, clock);
  } finally {
    // What Gemini keeps of an answer the history does not (a refusal, a failure, an answer not replayable or not
    // saved) goes now, once the member has the answer. Also when posting or saving threw (the thread deleted
    // under the turn, say): no record names the answer, so nothing could reach it later, and a deleted
    // thread's forgetting reads only the record. Not awaited: Google's DELETE, retried, can take minutes, and
    // the turn would hold the thread's line and its Gemini slot meanwhile; the transport has the stopping
    // process wait for it.
    if (!keeping.kept) void discardAnswer(deps.logger, planned, turn);
  }
}

/**
 * Best effort and never rejects: the transport's discard is bounded and logs
 * what Google answered.
 */
async function discardAnswer(logger: Logger, { asked }: PlannedTurn, turn: GeneratedTurn): Promise<void> {
  try {
    await turn.discard?.();
  } catch (error) {
    logger.warn({ err: error, threadId: asked.threadId }, 'could not discard an answer the history does not keep');
  }
}

/** Posts the outcome and keeps the exchange when it can (`keeping` says whether it was kept). */
async function postAndKeep(deps: StoreDependencies, planned: PlannedTurn, delivery: TurnDelivery, turn: GeneratedTurn, keeping: Keeping, clock: PhaseClock | undefined): Promise<void> {
  const { asked, plan } = planned;
  const outcome = turn.outcome;
  const posted = await delivery.post(outcome, {
    authorId: asked.authorId,
    prompt: plan.prompt,
    freshStart: plan.freshStart,
    droppedExchanges: turn.droppedExchanges,
    otherApiExchanges: turn.otherApiExchanges,
    lostExchanges: turn.lostExchanges,
    range: plan.range,
  });
  clock?.lap('upload'); // rendered, fitted to the upload limit, posted
  const modelContent = outcome.kind === 'images' || outcome.kind === 'no-image' ? outcome.modelContent : undefined;
  if (!modelContent) return; // Refusals and failures are not stored: the history stays replayable.
  if ((outcome.kind === 'images' || outcome.kind === 'no-image') && outcome.notReplayable) {
    // Posted, but replaying it would fail every later turn: a reply to the image still works (planTurn).
    deps.logger.warn({ threadId: asked.threadId, messageId: posted.messageId, why: outcome.notReplayable }, 'answer posted but not kept in the history');
    return;
  }

  const threadId = asked.threadId ?? posted.messageId; // A thread started from a message has that message's id.
  const store = () => storeExchange(deps, planned, delivery, { threadId, posted, turn, modelContent, keeping }, clock);
  // Inside a thread this already runs in the thread's line. A new conversation takes its line now, with no await
  // since the post: a click on the new message's buttons then waits for this save instead of finding nothing.
  await (asked.threadId ? store() : deps.threadQueue.run(threadId, store));
}

async function storeExchange(
  deps: StoreDependencies,
  { asked, plan }: PlannedTurn,
  delivery: TurnDelivery,
  answer: { threadId: string; posted: PostedAnswer; turn: GeneratedTurn; modelContent: ModelAnswer; keeping: Keeping },
  clock: PhaseClock | undefined,
): Promise<void> {
  const { threadId, posted } = answer;
  // A new conversation asked for in a channel known to be no thread has its thread there: also when discord.js no
  // longer holds that channel (deleted as the answer was posted), whose deletion must then find it.
  const parentId = posted.parentChannelId ?? (asked.threadId ? undefined : asked.channelId);
  const now = new Date();
  try {
    if (plan.store.kind === 'replace-unreadable') {
      // Kept under its own key before the fresh record takes its place: stored data is never lost.
      const setAsideAs = await deps.conversations.setAside(threadId, now);
      deps.logger.warn({ threadId, setAsideAs }, 'the unreadable conversation record was set aside; the thread goes on with a new one');
    }
    const saved = await saveExchange(deps, {
      // A new record for a new conversation, or in place of the unreadable one, set aside above.
      record: plan.store.kind === 'append' ? plan.store.record : undefined,
      threadId,
      guildId: asked.guildId,
      parentId,
      model: plan.model,
      settings: plan.settings,
      authorId: asked.authorId,
      userParts: answer.turn.userParts,
      modelContent: answer.modelContent,
      // Decoded once by the answer check: the blob store hashes these bytes rather than decode the text again.
      decodedImages: answer.turn.outcome.kind === 'images' ? answer.turn.outcome.images : undefined,
      messageId: posted.messageId,
      now,
      // The note posted with the answer above, when it told of turns lost images leave out (planRequestContents
      // counts them only beyond those told before): kept, so later turns do not say it again.
      lostImageTurnsTold: answer.turn.lostExchanges,
    });
    if (saved.kind === 'channel-deleted') {
      // Deleted after the answer was posted there: it went with the channel, the member can see nothing more, and
      // nothing of it is kept (its interaction is deleted at Google, as an answer not kept is), as the deletion promises.
      deps.logger.info({ threadId, channelId: parentId }, 'the channel of a conversation was deleted before its turn was saved; the turn is not kept');
      return;
    }
    answer.keeping.kept = true;
    clock?.lap('save'); // the images' blobs and the record
  } catch (error) {
    // The image is already posted and stays; only its place in the history is lost.
    const reference = randomUUID().slice(0, 8);
    deps.logger.error({ err: error, threadId, reference }, 'could not save the conversation turn');
    await delivery.warn({ kind: 'not-saved', reference });
    return;
  }
  if (asked.threadId) return;
  try {
    await posted.openThread(plan.prompt);
    clock?.lap('thread');
  } catch (error) {
    deps.logger.warn({ err: error, messageId: posted.messageId }, 'could not open a thread for a new conversation');
    await delivery.warn({ kind: 'no-thread' });
  }
}
