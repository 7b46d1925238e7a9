import { randomUUID } from 'node:crypto';
import type { ConversationRecord } from '../conversation/conversationRecord.js';
import type { GeneratedTurn } from './generateTurn.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import { saveExchange } from '../conversation/saveExchange.js';
import type { GeminiContent } from '../gemini/geminiTypes.js';
import type { PhaseClock } from './logGeneration.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import type { FreshStart } from './planTurn.js';
import type { TurnDependencies } from './turnDependencies.js';
import type { PostedAnswer, TurnDelivery, TurnRequest } from './turnRequest.js';

export interface StoreContext {
  /** The record the answer is added to; undefined starts a new one. */
  record: ConversationRecord | undefined;
  model: string;
  settings: ImageSettings;
  /** Set when the thread's stored history could not be read: the member is told, and the new record replaces the old, set aside. */
  freshStart: FreshStart | undefined;
}

/**
 * Posts the turn's outcome, then keeps the exchange when its answer can be
 * replayed. `clock` (timing only) marks the end of the upload, the save and
 * the thread's opening.
 */
export async function deliverAndStore(
  deps: TurnDependencies,
  request: TurnRequest,
  delivery: TurnDelivery,
  turn: GeneratedTurn,
  context: StoreContext,
  clock?: PhaseClock,
): Promise<void> {
  const outcome = turn.outcome;
  const posted = await delivery.post(outcome, { authorId: request.authorId, prompt: request.prompt, freshStart: context.freshStart, droppedExchanges: turn.droppedExchanges });
  clock?.lap('upload'); // rendered, fitted to the upload limit, posted
  const modelContent = outcome.kind === 'images' || outcome.kind === 'no-image' ? outcome.modelContent : undefined;
  if (!modelContent) return; // Refusals and failures are not stored: the history stays replayable.
  if ((outcome.kind === 'images' || outcome.kind === 'no-image') && outcome.notReplayable) {
    // Posted, but replaying it would fail every later turn: a reply to the image still works (planTurn).
    deps.logger.warn({ threadId: request.threadId, messageId: posted.messageId, why: outcome.notReplayable }, 'answer posted but not kept in the history');
    return;
  }

  const threadId = request.threadId ?? posted.messageId; // A thread started from a message has that message's id.
  const store = () => storeExchange(deps, request, delivery, { ...context, threadId, posted, userParts: turn.userParts, modelContent }, clock);
  // Inside a thread this already runs in the thread's line. A new conversation takes its line now, with no await
  // since the post: a click on the new message's buttons then waits for this save instead of finding nothing.
  await (request.threadId ? store() : deps.threadQueue.run(threadId, store));
}

async function storeExchange(
  deps: TurnDependencies,
  request: TurnRequest,
  delivery: TurnDelivery,
  stored: StoreContext & { threadId: string; posted: PostedAnswer; userParts: OutgoingPart[]; modelContent: GeminiContent },
  clock: PhaseClock | undefined,
): Promise<void> {
  const { threadId, posted } = stored;
  const now = new Date();
  try {
    if (stored.freshStart) {
      // Kept under its own key before the fresh record takes its place: stored data is never lost.
      const setAsideAs = await deps.conversations.setAside(threadId, now);
      deps.logger.warn({ threadId, setAsideAs }, 'the unreadable conversation record was set aside; the thread goes on with a new one');
    }
    await saveExchange(deps, { ...stored, guildId: request.guildId, authorId: request.authorId, messageId: posted.messageId, now });
    clock?.lap('save'); // the images' blobs and the record
  } catch (error) {
    // The image is already posted and stays; only its place in the history is lost.
    const reference = randomUUID().slice(0, 8);
    deps.logger.error({ err: error, threadId, reference }, 'could not save the conversation turn');
    await delivery.warn({ kind: 'not-saved', reference });
    return;
  }
  if (request.threadId) return;
  try {
    await posted.openThread(request.prompt);
    clock?.lap('thread');
  } catch (error) {
    deps.logger.warn({ err: error, messageId: posted.messageId }, 'could not open a thread for a new conversation');
    await delivery.warn({ kind: 'no-thread' });
  }
}
