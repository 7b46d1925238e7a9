import type { Message } from 'discord.js';
import { findExchangeByMessage, type ConversationRecord } from '../conversation/conversationRecord.js';
import { generateTurn, imagesOfExchange, saveExchange, type GeneratedTurn } from '../conversation/conversationEngine.js';
import type { Ticket } from '../conversation/generationQueue.js';
import { textPart, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import type { BotContext } from './botContext.js';
import { deliverAnswer } from './deliverAnswer.js';
import { isKnownReason } from './describeGeminiReason.js';
import { renderOutcome, type RenderedMessage } from './renderOutcome.js';
import { reportUnexpectedError } from './reportUnexpectedError.js';

export interface TurnRequest {
  /** The thread whose conversation continues; undefined starts a new conversation (and thread). */
  threadId: string | undefined;
  guildId: string;
  authorId: string;
  prompt: string;
  references: GeminiPart[];
  /** The bot message the user replied to, if any. */
  replyToMessageId?: string | undefined;
  /** Image options the user chose now; a thread otherwise keeps its own. */
  settings: ImageSettings;
}

export interface TurnDelivery {
  /** Shows where the request stands (queue position, retries); the answer replaces it. */
  progress(text: string): Promise<void>;
  /** Posts the answer where the user asked (deferred reply, or a reply in the thread). */
  post(message: RenderedMessage): Promise<Message>;
  /** The largest file the destination accepts. */
  uploadLimitBytes: number;
  /** Outside a thread: opens the public thread that becomes the conversation. */
  openThread?(starter: Message, name: string): Promise<void>;
  /** Tells the user something went wrong after the answer was posted. */
  warn(text: string): Promise<unknown>;
}

/**
 * One conversation turn end to end: admission to the Gemini queue, the
 * thread's history, Gemini, the Discord message, then the stored exchange.
 * Turns of one thread run strictly one at a time, in order of arrival.
 */
export async function runConversationTurn(bot: BotContext, request: TurnRequest, delivery: TurnDelivery): Promise<void> {
  const admission = bot.generationQueue.admit(request.authorId);
  if (!admission.ok) {
    const limit = bot.config.maxRequestsPerUser;
    await delivery.post(renderOutcome(admission.reason === 'user-limit' ? { kind: 'user-limit', limit } : { kind: 'queue-full' }));
    return;
  }
  const ticket = admission.ticket;
  try {
    const run = () => runTurnNow(bot, request, delivery, ticket);
    if (request.threadId) await bot.threadQueue.run(request.threadId, run);
    else await run();
  } finally {
    ticket.release();
  }
}

async function runTurnNow(bot: BotContext, request: TurnRequest, delivery: TurnDelivery, ticket: Ticket): Promise<void> {
  const started = Date.now();
  let record: ConversationRecord | undefined;
  if (request.threadId) {
    const loaded = await bot.conversations.load(request.threadId);
    if (loaded.kind === 'unreadable') {
      bot.logger.error({ threadId: request.threadId, problem: loaded.problem }, 'stored conversation is unreadable');
      await delivery.post(renderOutcome({ kind: 'history-unreadable' }));
      return;
    }
    record = loaded.kind === 'found' ? loaded.record : undefined;
  }

  const userParts = await buildUserParts(bot, record, request);
  const model = record?.model ?? bot.config.geminiModel;
  const settings = { ...record?.settings, ...definedOnly(request.settings) };
  const progress = progressReporter(bot, delivery);
  const turn = await generateTurn(
    bot,
    { record, userParts, model, settings },
    {
      waitForSlot: () =>
        ticket.waitForSlot((ahead) => progress(ahead === 0 ? 'Waiting for a free slot: you are next.' : `Queued: ${ahead} ahead of you.`), bot.shutdownSignal),
      releaseSlot: () => ticket.releaseSlot(),
      signal: bot.shutdownSignal,
      onRetry: ({ delayMs }) => progress(`Gemini is busy, retrying in ${Math.max(1, Math.round(delayMs / 1000))} s…`),
    },
  );
  logGeneration(bot, request, turn, model, Date.now() - started);

  const notes = turn.droppedExchanges > 0 ? [`This thread is long: I left out its ${turn.droppedExchanges} oldest turn(s) to stay within Gemini's request limit.`] : [];
  const message = await deliverAnswer(delivery, renderOutcome(turn.outcome, notes), bot.logger);
  const outcome = turn.outcome;
  const modelContent = outcome.kind === 'images' || outcome.kind === 'no-image' ? outcome.modelContent : undefined;
  if (!modelContent) return; // Refusals and failures are not stored: the history stays replayable.

  const threadId = request.threadId ?? message.id; // A thread started from a message has that message's id.
  try {
    await saveExchange(bot, { record, threadId, guildId: request.guildId, model, settings, authorId: request.authorId, userParts, modelContent, messageId: message.id, now: new Date() });
  } catch (error) {
    const text = reportUnexpectedError(bot, error, { threadId, stage: 'saving the turn' });
    await delivery.warn(`${text} This turn was not saved, so a later edit will not include it.`);
    return;
  }
  if (!request.threadId && delivery.openThread) await openConversationThread(bot, delivery, message, request.prompt);
}

async function openConversationThread(bot: BotContext, delivery: TurnDelivery, starter: Message, prompt: string): Promise<void> {
  try {
    await delivery.openThread!(starter, threadName(prompt));
  } catch (error) {
    bot.logger.warn({ err: error, messageId: starter.id }, 'could not open a thread for a new conversation');
    await delivery.warn('I could not open a thread for this image. A server admin must give me the Create Public Threads permission in this channel.');
  }
}

/** Progress updates are best effort, sent only when the text changes, and never fail the turn. */
function progressReporter(bot: BotContext, delivery: TurnDelivery): (text: string) => void {
  let last = '';
  return (text) => {
    if (text === last) return;
    last = text;
    delivery.progress(text).catch((error: unknown) => bot.logger.debug({ err: error }, 'progress update failed'));
  };
}

/** Text first, then the replied-to image when it is not the latest, then the user's own attachments. */
async function buildUserParts(bot: BotContext, record: ConversationRecord | undefined, request: TurnRequest): Promise<GeminiPart[]> {
  const parts: GeminiPart[] = [];
  if (request.prompt) parts.push(textPart(request.prompt));
  if (record && request.replyToMessageId) {
    const found = findExchangeByMessage(record, request.replyToMessageId);
    if (found && found.index < record.exchanges.length - 1) parts.push(...(await imagesOfExchange(found.exchange, bot.blobs)));
  }
  parts.push(...request.references);
  return parts;
}

/** Discord thread names hold at most 100 characters. */
export function threadName(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  if (!flat) return 'Image';
  return flat.length <= 100 ? flat : `${flat.slice(0, 99)}…`;
}

function definedOnly(settings: ImageSettings): ImageSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as ImageSettings;
}

/** One line per generation, with what an admin needs to see cost and trouble. */
function logGeneration(bot: BotContext, request: TurnRequest, turn: GeneratedTurn, model: string, latencyMs: number): void {
  const outcome = turn.outcome;
  const fields = {
    guildId: request.guildId,
    threadId: request.threadId,
    userId: request.authorId,
    model,
    outcome: outcome.kind,
    latencyMs,
    retries: turn.retries,
    droppedExchanges: turn.droppedExchanges,
    ...('usage' in outcome ? { usage: outcome.usage } : {}),
    ...(outcome.kind === 'blocked' ? { reason: outcome.reason, stage: outcome.stage } : {}),
    ...(outcome.kind === 'no-image' ? { finishReason: outcome.finishReason } : {}),
  };
  if (outcome.kind === 'failed') {
    const failure = outcome.failure;
    const hint =
      failure.kind === 'http' && failure.status === 403 ? 'the Gemini API key is invalid or lacks access'
      : failure.kind === 'http' && failure.status === 404 ? `the model "${model}" does not exist for this API version (check GEMINI_MODEL)`
      : failure.kind === 'http' && failure.status === 400 ? 'Gemini rejected the request (check GEMINI_API_KEY and the model)'
      : undefined;
    bot.logger.warn({ ...fields, failure, ...(hint ? { hint } : {}) }, 'generation failed');
    return;
  }
  const reason = outcome.kind === 'blocked' ? outcome.reason : outcome.kind === 'no-image' ? outcome.finishReason : undefined;
  if (reason && reason !== 'STOP' && !isKnownReason(reason)) bot.logger.warn({ ...fields, reason }, 'Gemini gave a reason this bot does not know');
  bot.logger.info(fields, 'generation finished');
}
