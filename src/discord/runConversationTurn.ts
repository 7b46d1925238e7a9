import { findExchangeByMessage, type ConversationRecord } from '../conversation/conversationRecord.js';
import type { Ticket } from '../conversation/generationQueue.js';
import { generateTurn, type GeneratedTurn, type TurnHooks } from '../conversation/generateTurn.js';
import { loadConversation } from '../conversation/loadConversation.js';
import type { TurnOutcome } from '../conversation/turnOutcome.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import type { GenerationResult, Reservation } from '../usage/usageLedger.js';
import { logGeneration } from '../logging/logGeneration.js';
import type { BotContext } from './botContext.js';
import { collectReferences, precheckReferences } from './collectReferences.js';
import { deliverAndStore } from './deliverAndStore.js';
import { progressReporter } from './progressReporter.js';
import { renderOutcome } from './renderOutcome.js';
import { withoutHistory, withRepliedImages, type FreshStart, type TurnDelivery, type TurnRequest } from './turnRequest.js';

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
  const loaded = asked.threadId ? await loadConversation(bot, asked.threadId, asked.guildId) : { kind: 'missing' as const };
  if (loaded.kind === 'refused') {
    await delivery.post(renderOutcome({ kind: 'not-allowed', text: loaded.text }));
    return;
  }
  const record = loaded.kind === 'found' ? loaded.record : undefined;
  const plan = loaded.kind === 'unreadable' ? await goOnWithoutHistory(asked) : { request: withRepliedImages(asked, record), freshStart: undefined };
  if (!plan) {
    await delivery.post(renderOutcome({ kind: 'history-unreadable' }));
    return;
  }
  const request = plan.request;
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
    await generateAndDeliver(bot, { asked, ...plan }, delivery, ticket, { record, history, model, settings, started, reservation: reserved.reservation });
  } finally {
    reserved.reservation.cancel(); // a no-op once committed; frees the hold when the turn ended before Gemini billed anything
  }
}

/** A reroll replays a turn of the history, so it cannot go on without it; nor can a turn on an image it has no way to get (withoutHistory). */
async function goOnWithoutHistory(asked: TurnRequest): Promise<{ request: TurnRequest; freshStart: FreshStart } | undefined> {
  return asked.replay ? undefined : withoutHistory(asked);
}

/** What a turn runs: the request as asked, and as planned (without the history when it cannot be read). */
interface TurnPlan {
  asked: TurnRequest;
  request: TurnRequest;
  freshStart: FreshStart | undefined;
}

async function generateAndDeliver(
  bot: BotContext,
  plan: TurnPlan,
  delivery: TurnDelivery,
  ticket: Ticket,
  /** `history`: what Gemini is sent (a reroll's stops before its turn); `record`: what the answer is added to. */
  context: { record: ConversationRecord | undefined; history: ConversationRecord | undefined; model: string; settings: ImageSettings; started: number; reservation: Reservation },
): Promise<void> {
  const { model, settings } = context;
  const progress = progressReporter(bot.logger, delivery);
  // The slot bounds a generation's big buffers, so the attachments are downloaded only once it is held.
  const granted = await ticket.waitForSlot((ahead) => progress(ahead === 0 ? 'Waiting for a free slot: you are next.' : `Queued: ${ahead} ahead of you.`), bot.shutdownSignal);
  const hooks: TurnHooks = {
    signal: bot.shutdownSignal,
    onRetry: ({ delayMs }) => progress(`Gemini is busy, retrying in ${Math.max(1, Math.round(delayMs / 1000))} s…`, { now: true }),
  };
  let attempt = granted ? await collectAndGenerate(bot, plan, { history: plan.freshStart ? undefined : context.history, model, settings }, hooks) : undefined;
  // A stored image was missing or damaged: found only while the history was read. Go on without it, as for an unreadable record.
  const freshPlan = attempt?.kind === 'generated' && attempt.turn.outcome.kind === 'history-unreadable' && !plan.freshStart ? await goOnWithoutHistory(plan.asked) : undefined;
  if (freshPlan) {
    bot.logger.warn({ threadId: plan.asked.threadId, freshStart: freshPlan.freshStart }, 'going on without the thread\'s unreadable history');
    plan = { asked: plan.asked, ...freshPlan };
    attempt = await collectAndGenerate(bot, plan, { history: undefined, model, settings }, hooks);
  }
  // Shutdown ended the wait, or an attachment is unusable: no generation happened, so none is logged or counted.
  if (attempt?.kind !== 'generated') {
    await progress.settled();
    await delivery.post(renderOutcome(!attempt || bot.shutdownSignal.aborted ? { kind: 'failed', failure: { kind: 'interrupted' } } : attempt.outcome));
    return;
  }
  const turn = attempt.turn;
  const { asked, request } = plan;
  logGeneration(bot.logger, { guildId: asked.guildId, threadId: asked.threadId, userId: asked.authorId, model }, turn, Date.now() - context.started);
  bot.metrics.recordGeneration(model, turn);
  await recordUsage(bot, context.reservation, turn);
  await progress.settled();
  // A fresh start replaces the unreadable record (set aside, not lost) with a new one.
  await deliverAndStore(bot, request, delivery, turn, { record: plan.freshStart ? undefined : context.record, model, settings, freshStart: plan.freshStart });
}

type Attempt = { kind: 'generated'; turn: GeneratedTurn } | { kind: 'refused'; outcome: TurnOutcome };

/**
 * Downloads the references (once the slot is held) and asks Gemini. A fresh
 * start decided mid-turn downloads the member's attachments again: rare,
 * and simpler than carrying the first download across.
 */
async function collectAndGenerate(
  bot: BotContext,
  { request }: TurnPlan,
  { history, model, settings }: { history: ConversationRecord | undefined; model: string; settings: ImageSettings },
  hooks: TurnHooks,
): Promise<Attempt | undefined> {
  // Checked before the slot already, except the images a fresh start decided mid-turn adds; the check costs no I/O.
  const precheck = precheckReferences(bot, request.attachments);
  if (!precheck.ok) return { kind: 'refused', outcome: precheck.outcome };
  const references = await collectReferences(bot, request.attachments, bot.shutdownSignal);
  if (bot.shutdownSignal.aborted) return undefined;
  if (!references.ok) return { kind: 'refused', outcome: references.outcome };
  const turn = await generateTurn(
    bot,
    {
      record: history,
      exactUserParts: request.replay?.userParts,
      prompt: request.prompt,
      references: [...(request.presetReferences ?? []), ...references.parts],
      replyToMessageId: request.replyToMessageId,
      model,
      settings,
      search: request.search,
    },
    hooks,
  );
  return { kind: 'generated', turn };
}

/** What Gemini billed: answers, refusals and unreadable images are recorded; a call that never got an answer costs nothing. */
async function recordUsage(bot: BotContext, reservation: Reservation, turn: GeneratedTurn): Promise<void> {
  const billed = billedImages(turn.outcome);
  if (!billed) return;
  try {
    await reservation.commit(billed);
  } catch (error) {
    bot.logger.error({ err: error }, 'could not record usage for a generation');
  }
}

/** Gemini bills every final image it produced, read or not; a refusal or a text answer only its tokens. */
function billedImages(outcome: TurnOutcome): GenerationResult | undefined {
  switch (outcome.kind) {
    case 'images':
      return { images: outcome.images.length + outcome.unreadable.length, usage: outcome.usage, outcome: outcome.kind };
    case 'image-unreadable':
      return { images: outcome.images, usage: outcome.usage, outcome: outcome.kind };
    case 'no-image':
    case 'blocked':
      return { images: 0, usage: outcome.usage, outcome: outcome.kind };
    default:
      return undefined;
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
