import { randomUUID } from 'node:crypto';
import type { Message } from 'discord.js';
import type { ConversationRecord } from '../conversation/conversationRecord.js';
import type { GeneratedTurn } from '../turn/generateTurn.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import { saveExchange } from '../conversation/saveExchange.js';
import type { GeminiContent } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import type { BotContext } from './botContext.js';
import { deliverAnswer } from './deliverAnswer.js';
import { renderOutcome, threadName } from './renderOutcome.js';
import { byline, describeSources } from './resultNotes.js';
import type { FreshStart } from '../turn/planTurn.js';
import type { TurnDelivery, TurnRequest } from './turnRequest.js';

export interface StoreContext {
  /** The record the answer is added to; undefined starts a new one. */
  record: ConversationRecord | undefined;
  model: string;
  settings: ImageSettings;
  /** Set when the thread's stored history could not be read: the member is told, and the new record replaces the old, set aside. */
  freshStart: FreshStart | undefined;
}

/** Posts the turn's outcome, then keeps the exchange when its answer can be replayed. */
export async function deliverAndStore(bot: BotContext, request: TurnRequest, delivery: TurnDelivery, turn: GeneratedTurn, context: StoreContext): Promise<void> {
  const outcome = turn.outcome;
  const message = await deliverAnswer(delivery, renderOutcome(outcome, turnNotes(request, turn, context.freshStart)), bot.logger);
  const modelContent = outcome.kind === 'images' || outcome.kind === 'no-image' ? outcome.modelContent : undefined;
  if (!modelContent) return; // Refusals and failures are not stored: the history stays replayable.
  if (outcome.kind === 'images' && outcome.notReplayable) {
    // Posted, but replaying it would fail every later turn: a reply to the image still works (planTurn).
    bot.logger.warn({ threadId: request.threadId, messageId: message.id, why: outcome.notReplayable }, 'answer posted but not kept in the history');
    return;
  }

  const threadId = request.threadId ?? message.id; // A thread started from a message has that message's id.
  const store = () => storeExchange(bot, request, delivery, { ...context, threadId, message, userParts: turn.userParts, modelContent });
  // Inside a thread this already runs in the thread's line. A new conversation takes its line now, with no await
  // since the post: a click on the new message's buttons then waits for this save instead of finding nothing.
  await (request.threadId ? store() : bot.threadQueue.run(threadId, store));
}

function turnNotes(request: TurnRequest, turn: GeneratedTurn, freshStart: FreshStart | undefined): string[] {
  const outcome = turn.outcome;
  const answered = outcome.kind === 'images' || outcome.kind === 'no-image';
  const sources = 'sources' in outcome ? outcome.sources : [];
  return [
    ...(freshStart ? [describeFreshStart(freshStart)] : []),
    ...(sources.length > 0 ? [describeSources(sources)] : []),
    ...(answered ? [byline(request.authorId, request.prompt)] : []),
    ...(turn.droppedExchanges > 0 ? [`This thread is long: I left out its ${turn.droppedExchanges} oldest turn(s) to stay within Gemini's request limit.`] : []),
  ];
}

function describeFreshStart(freshStart: FreshStart): string {
  const unread = 'I could not read the earlier history of this thread';
  switch (freshStart) {
    case 'replied-image':
      return `${unread}, so I went on from the image you replied to.`;
    case 'latest-image':
      return `${unread}, so I went on from the latest image I posted here.`;
    case 'nothing':
      return `${unread}, and found no image of mine here to go on from, so I started afresh from your message.`;
  }
}

async function storeExchange(
  bot: BotContext,
  request: TurnRequest,
  delivery: TurnDelivery,
  stored: StoreContext & { threadId: string; message: Message; userParts: OutgoingPart[]; modelContent: GeminiContent },
): Promise<void> {
  const { threadId, message } = stored;
  const now = new Date();
  try {
    if (stored.freshStart) {
      // Kept under its own key before the fresh record takes its place: stored data is never lost.
      const setAsideAs = await bot.conversations.setAside(threadId, now);
      bot.logger.warn({ threadId, setAsideAs }, 'the unreadable conversation record was set aside; the thread goes on with a new one');
    }
    await saveExchange(bot, { ...stored, guildId: request.guildId, authorId: request.authorId, messageId: message.id, now });
  } catch (error) {
    // The image is already posted and stays; only its place in the history is lost.
    const reference = randomUUID().slice(0, 8);
    bot.logger.error({ err: error, threadId, reference }, 'could not save the conversation turn');
    await delivery.warn(`I could not save this turn (reference ${reference}), so a later edit will not include it. The image above is still yours.`);
    return;
  }
  if (request.threadId) return;
  try {
    await message.startThread({ name: threadName(request.prompt) });
  } catch (error) {
    bot.logger.warn({ err: error, messageId: message.id }, 'could not open a thread for a new conversation');
    await delivery.warn('I could not open a thread for this image. A server admin must give me the Create Public Threads permission in this channel.');
  }
}
