import { randomUUID } from 'node:crypto';
import type { Message } from 'discord.js';
import { findExchangeByMessage, type ConversationRecord } from '../conversation/conversationRecord.js';
import type { Ticket } from '../conversation/generationQueue.js';
import { generateTurn, type GeneratedTurn } from '../conversation/generateTurn.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import { saveExchange } from '../conversation/saveExchange.js';
import type { GeminiContent, GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import type { Reservation } from '../usage/usageLedger.js';
import { logGeneration } from '../logging/logGeneration.js';
import type { BotContext } from './botContext.js';
import { collectReferences, precheckReferences } from './collectReferences.js';
import { deliverAnswer } from './deliverAnswer.js';
import { renderOutcome, threadName } from './renderOutcome.js';
import { byline, describeSources } from './resultNotes.js';
import { progressReporter } from './progressReporter.js';
import { withRepliedImages, type TurnDelivery, type TurnRequest } from './turnRequest.js';

/**
 * One conversation turn end to end: admission to the Gemini queue, the
 * thread's history, Gemini, the Discord message, then the stored exchange.
 * Call it as soon as the request arrives, before any await: that call takes
 * the turn's place in its thread, so turns run in order of arrival.
 */
export async function runConversationTurn(bot: BotContext, request: TurnRequest, delivery: TurnDelivery): Promise<void> {
  const admission = bot.generationQueue.admit(request.authorId);
  if (!admission.ok) {
    if (request.claim && !(await request.claim())) return;
    const limit = bot.config.maxRequestsPerUser;
    await delivery.ready;
    await delivery.post(renderOutcome(admission.reason === 'user-limit' ? { kind: 'user-limit', limit } : { kind: 'queue-full' }));
    return;
  }
  const ticket = admission.ticket;
  try {
    const run = () => runTurnNow(bot, request, delivery, ticket);
    await (request.threadId ? bot.threadQueue.run(request.threadId, run) : run());
  } catch (error) {
    // Shutdown ends waits (a thread's lease, a download) by throwing: that turn is interrupted, not broken.
    if (!bot.shutdownSignal.aborted) throw error;
    bot.logger.info({ err: error, threadId: request.threadId }, 'turn interrupted by shutdown');
    await delivery.post(renderOutcome({ kind: 'failed', failure: { kind: 'interrupted' } }));
  } finally {
    ticket.release();
  }
}

async function runTurnNow(bot: BotContext, asked: TurnRequest, delivery: TurnDelivery, ticket: Ticket): Promise<void> {
  const started = Date.now();
  if (asked.claim && !(await asked.claim())) {
    bot.logger.debug({ threadId: asked.threadId }, 'message answered by another process');
    return;
  }
  await delivery.ready;
  const access = typeof asked.serverSettings === 'function' ? await asked.serverSettings() : { ok: true as const, settings: asked.serverSettings };
  if (!access.ok) {
    await delivery.post(renderOutcome({ kind: 'not-allowed', text: access.text }));
    return;
  }
  const serverSettings = access.settings;
  let record: ConversationRecord | undefined;
  if (asked.threadId) {
    const loaded = await bot.conversations.load(asked.threadId);
    if (loaded.kind === 'unreadable') {
      bot.logger.error({ threadId: asked.threadId, problem: loaded.problem }, 'stored conversation is unreadable');
      await delivery.post(renderOutcome({ kind: 'history-unreadable' }));
      return;
    }
    record = loaded.kind === 'found' ? loaded.record : undefined;
  }
  const request = withRepliedImages(asked, record);
  // A reroll finds its turn in the history as it is now, in line: a Delete clicked meanwhile may have moved or removed it.
  const replayed = request.replay && record ? findExchangeByMessage(record, request.replay.messageId) : undefined;
  if (request.replay && !replayed) {
    await delivery.post(renderOutcome({ kind: 'not-allowed', text: 'That image is no longer part of this conversation, so I cannot do that again.' }));
    return;
  }
  const precheck = precheckReferences(bot, request.attachments);
  if (!precheck.ok) {
    await delivery.post(renderOutcome(precheck.outcome));
    return;
  }

  const model = record?.model ?? request.model ?? serverSettings.model;
  if (record && !bot.config.allowedModels.includes(model)) {
    // Another model cannot carry on this history (thought signatures are the model's own), and the operator withdrew this one.
    await delivery.post(renderOutcome({ kind: 'not-allowed', text: `This conversation was made with ${model}, which this bot no longer offers, so it cannot go on. Start a new one with /imagine.` }));
    return;
  }
  const baseSettings = record ? record.settings : { aspectRatio: serverSettings.aspectRatio, imageSize: serverSettings.imageSize };
  const settings = definedOnly({ ...baseSettings, ...definedOnly(request.settings) });
  // Held before waiting in line, so requests in flight count against the limits together.
  const reserved = await bot.usage.reserve({
    guildId: request.guildId,
    userId: request.authorId,
    model,
    imageSize: settings.imageSize,
    limits: serverSettings,
    inputTokens: estimateInputTokens(record, request, request.attachments.length),
  });
  if (!reserved.ok) {
    await delivery.post(renderOutcome({ kind: 'limit-reached', limit: reserved.limit, resetsAt: reserved.resetsAt, used: reserved.used, allowed: reserved.allowed }));
    return;
  }
  try {
    const history = replayed && record ? { ...record, exchanges: record.exchanges.slice(0, replayed.index) } : record;
    await generateAndDeliver(bot, request, delivery, ticket, { record, history, model, settings, started, reservation: reserved.reservation });
  } finally {
    reserved.reservation.cancel(); // a no-op once committed; frees the hold when the turn ended before Gemini billed anything
  }
}

async function generateAndDeliver(
  bot: BotContext,
  request: TurnRequest,
  delivery: TurnDelivery,
  ticket: Ticket,
  /** `history`: what Gemini is sent (a reroll's stops before its turn); `record`: what the answer is added to. */
  context: { record: ConversationRecord | undefined; history: ConversationRecord | undefined; model: string; settings: ImageSettings; started: number; reservation: Reservation },
): Promise<void> {
  const { record, model, settings } = context;
  const progress = progressReporter(bot.logger, delivery);
  // The slot bounds a generation's big buffers, so the attachments are downloaded only once it is held.
  const granted = await ticket.waitForSlot((ahead) => progress(ahead === 0 ? 'Waiting for a free slot: you are next.' : `Queued: ${ahead} ahead of you.`), bot.shutdownSignal);
  const references = granted ? await collectReferences(bot, request.attachments, bot.shutdownSignal) : undefined;
  // Shutdown ended the wait, or an attachment is unusable: no generation happened, so none is logged or counted.
  if (!references?.ok) {
    await progress.settled();
    await delivery.post(renderOutcome(!references || bot.shutdownSignal.aborted ? { kind: 'failed', failure: { kind: 'interrupted' } } : references.outcome));
    return;
  }
  const turn = await generateTurn(
    bot,
    {
      record: context.history,
      exactUserParts: request.replay?.userParts,
      prompt: request.prompt,
      references: [...(request.presetReferences ?? []), ...references.parts],
      replyToMessageId: request.replyToMessageId,
      model,
      settings,
      search: request.search,
    },
    {
      signal: bot.shutdownSignal,
      onRetry: ({ delayMs }) => progress(`Gemini is busy, retrying in ${Math.max(1, Math.round(delayMs / 1000))} s…`, { now: true }),
    },
  );
  logGeneration(bot.logger, { guildId: request.guildId, threadId: request.threadId, userId: request.authorId, model }, turn, Date.now() - context.started);
  bot.metrics.recordGeneration(model, turn);
  await recordUsage(bot, context.reservation, turn);
  await progress.settled();
  await deliverAndStore(bot, request, delivery, turn, { record, model, settings });
}

async function deliverAndStore(
  bot: BotContext,
  request: TurnRequest,
  delivery: TurnDelivery,
  turn: GeneratedTurn,
  context: { record: ConversationRecord | undefined; model: string; settings: ImageSettings },
): Promise<void> {
  const answered = turn.outcome.kind === 'images' || turn.outcome.kind === 'no-image';
  const sources = 'sources' in turn.outcome ? turn.outcome.sources : [];
  const notes = [
    ...(sources.length > 0 ? [describeSources(sources)] : []),
    ...(answered ? [byline(request.authorId, request.prompt)] : []),
    ...(turn.droppedExchanges > 0 ? [`This thread is long: I left out its ${turn.droppedExchanges} oldest turn(s) to stay within Gemini's request limit.`] : []),
  ];
  const message = await deliverAnswer(delivery, renderOutcome(turn.outcome, notes), bot.logger);
  const outcome = turn.outcome;
  const modelContent = outcome.kind === 'images' || outcome.kind === 'no-image' ? outcome.modelContent : undefined;
  if (!modelContent) return; // Refusals and failures are not stored: the history stays replayable.

  const threadId = request.threadId ?? message.id; // A thread started from a message has that message's id.
  const store = () => storeExchange(bot, request, delivery, { ...context, threadId, message, userParts: turn.userParts, modelContent });
  // Inside a thread this already runs in the thread's line. A new conversation takes its line now, with no await
  // since the post: a click on the new message's buttons then waits for this save instead of finding nothing.
  await (request.threadId ? store() : bot.threadQueue.run(threadId, store));
}

async function storeExchange(
  bot: BotContext,
  request: TurnRequest,
  delivery: TurnDelivery,
  stored: { record: ConversationRecord | undefined; model: string; settings: ImageSettings; threadId: string; message: Message; userParts: OutgoingPart[]; modelContent: GeminiContent },
): Promise<void> {
  const { threadId, message } = stored;
  try {
    await saveExchange(bot, { ...stored, guildId: request.guildId, authorId: request.authorId, messageId: message.id, now: new Date() });
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

/** What Gemini billed: answers and refusals are recorded; a call that never got an answer costs nothing. */
async function recordUsage(bot: BotContext, reservation: Reservation, turn: GeneratedTurn): Promise<void> {
  const outcome = turn.outcome;
  if (outcome.kind !== 'images' && outcome.kind !== 'no-image' && outcome.kind !== 'blocked') return;
  try {
    await reservation.commit({ images: outcome.kind === 'images' ? outcome.images.length : 0, usage: outcome.usage, outcome: outcome.kind });
  } catch (error) {
    bot.logger.error({ err: error }, 'could not record usage for a generation');
  }
}

/** Gemini counts up to about 2,000 tokens for a 4K image it reads back, and about 4 characters a token of text. */
const TOKENS_PER_IMAGE = 2_000;

/** An upper estimate of the input tokens a turn sends, from the stored history without loading its images. */
function estimateInputTokens(record: ConversationRecord | undefined, request: TurnRequest, references: number): number {
  const storedImages = (record?.exchanges ?? []).reduce(
    (count, exchange) => count + [...exchange.user.parts, ...exchange.model.parts].filter((part) => part.blob).length,
    0,
  );
  const images = storedImages + references + (request.presetReferences?.length ?? 0) + 1; // + a re-sent image
  return images * TOKENS_PER_IMAGE + Math.ceil(request.prompt.length / 4) + 1_000;
}

function definedOnly(settings: ImageSettings): ImageSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as ImageSettings;
}
