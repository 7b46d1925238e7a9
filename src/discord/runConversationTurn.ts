import { randomUUID } from 'node:crypto';
import type { Message } from 'discord.js';
import { findExchangeByMessage, type ConversationRecord } from '../conversation/conversationRecord.js';
import { generateTurn, imagesOfExchange, saveExchange } from '../conversation/conversationEngine.js';
import type { TurnOutcome } from '../conversation/turnOutcome.js';
import { textPart, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import type { BotContext } from './botContext.js';
import { renderOutcome, type RenderedMessage } from './renderOutcome.js';

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
  /** Posts the answer where the user asked (deferred reply, or a reply in the thread). */
  post(message: RenderedMessage): Promise<Message>;
  /** Outside a thread: opens the public thread that becomes the conversation. */
  openThread?(starter: Message, name: string): Promise<void>;
  /** Tells the user something went wrong after the answer was posted. */
  warn(text: string): Promise<unknown>;
}

/**
 * One conversation turn end to end: history, Gemini, the Discord message,
 * then the stored exchange. Turns of one thread run strictly one at a time.
 */
export async function runConversationTurn(bot: BotContext, request: TurnRequest, delivery: TurnDelivery): Promise<void> {
  const run = () => runTurnNow(bot, request, delivery);
  if (request.threadId) await bot.threadQueue.run(request.threadId, run);
  else await run();
}

async function runTurnNow(bot: BotContext, request: TurnRequest, delivery: TurnDelivery): Promise<void> {
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
  const outcome = await generateTurn(bot, { record, userParts, model, settings });
  logOutcome(bot, request, outcome, model, Date.now() - started);

  const message = await delivery.post(renderOutcome(outcome));
  const modelContent = outcome.kind === 'images' || outcome.kind === 'no-image' ? outcome.modelContent : undefined;
  if (!modelContent) return; // Refusals and failures are not stored: the history stays replayable.

  const threadId = request.threadId ?? message.id; // A thread started from a message has that message's id.
  try {
    await saveExchange(bot, {
      record,
      threadId,
      guildId: request.guildId,
      model,
      settings,
      authorId: request.authorId,
      userParts,
      modelContent,
      messageId: message.id,
      now: new Date(),
    });
  } catch (error) {
    const reference = randomUUID().slice(0, 8);
    bot.logger.error({ err: error, threadId, reference }, 'could not save the conversation turn');
    await delivery.warn(`I could not save this turn (reference ${reference}), so a later edit will not include it.`);
    return;
  }
  if (!request.threadId && delivery.openThread) {
    try {
      await delivery.openThread(message, threadName(request.prompt));
    } catch (error) {
      bot.logger.warn({ err: error, messageId: message.id }, 'could not open a thread for a new conversation');
      await delivery.warn(
        'I could not open a thread for this image. A server admin must give me the Create Public Threads permission in this channel.',
      );
    }
  }
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

function logOutcome(bot: BotContext, request: TurnRequest, outcome: TurnOutcome, model: string, latencyMs: number): void {
  const fields = { threadId: request.threadId, model, outcome: outcome.kind, latencyMs };
  if (outcome.kind === 'failed') bot.logger.warn({ ...fields, failure: outcome.failure }, 'generation failed');
  else bot.logger.info({ ...fields, usage: 'usage' in outcome ? outcome.usage : undefined }, 'generation finished');
}
