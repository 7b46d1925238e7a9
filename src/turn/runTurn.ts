import type { Logger } from 'pino';
import type { Ticket } from '../limits/geminiSlots.js';
import { collectReferences, type TurnDownloads } from '../attachments/collectReferences.js';
import { loadConversation, type ThreadConversation } from '../conversation/loadConversation.js';
import { lostEveryImage, markLostImages } from '../conversation/lostImages.js';
import { logGeneration, startPhaseClock, type PhaseClock } from './logGeneration.js';
import type { EffectiveSettings } from '../settings/guildSettings.js';
import type { ReferencesRefused } from '../limits/attachmentLimits.js';
import type { Reservation } from '../limits/usageBudget.js';
import { deliverAndStore } from './deliverAndStore.js';
import { estimateInputTokens, recordUsage } from './turnUsage.js';
import type { GeminiTransport, TurnHooks } from './geminiTransport.js';
import { generateTurn, type GeneratedTurn } from './generateTurn.js';
import { needsLatestPostedImages, planTurn } from './planTurn.js';
import type { PlanFacts, TurnPlan } from './turnPlan.js';
import type { PlannedTurn } from './plannedTurn.js';
import { progressReporter, type ProgressReporter } from './progressReporter.js';
import type { TurnDependencies } from './turnDependencies.js';
import { outcomeName } from './turnOutcome.js';
import type { TurnDelivery, TurnRequest } from './turnRequest.js';

/**
 * One conversation turn end to end, the heart of the bot: admission to the
 * Gemini queue, the thread's stored conversation, the plan (planTurn), the
 * usage hold, a Gemini slot, the references, Gemini (generateTurn), the
 * answer (delivered), then the stored exchange (deliverAndStore). The call
 * takes the turn's place in its thread's line, and turns run in that order:
 * a message calls it before any await, so replies keep the order they were
 * sent in; a button or form first acknowledges the click.
 */
export async function runTurn(bot: TurnDependencies, request: TurnRequest, delivery: TurnDelivery): Promise<void> {
  // Timing only: each clock.lap(step) marks the end of a step, for the generation's log line (`phases`).
  const clock = startPhaseClock();
  const admission = bot.geminiSlots.admit(request.authorId);
  if (!admission.ok) {
    if (request.claim && !(await request.claim())) return;
    const limit = bot.config.maxRequestsPerUser;
    await delivery.ready;
    await delivery.post({ kind: 'refused', refusal: admission.reason === 'user-limit' ? { kind: 'user-limit', limit } : { kind: 'queue-full' } });
    return;
  }
  const ticket = admission.ticket;
  try {
    const run = () => runTurnNow(bot, request, delivery, ticket, clock);
    await (request.threadId ? bot.threadQueue.run(request.threadId, run) : run());
  } catch (error) {
    // Shutdown ends waits (a thread's lease, a download) by throwing: that turn is interrupted, not broken.
    if (!bot.shutdownSignal.aborted) throw error;
    bot.logger.info({ err: error, threadId: request.threadId }, 'turn interrupted by shutdown');
    await delivery.post({ kind: 'failed', failure: { kind: 'interrupted' } });
  } finally {
    ticket.release();
  }
}

async function runTurnNow(bot: TurnDependencies, asked: TurnRequest, delivery: TurnDelivery, ticket: Ticket, clock: PhaseClock): Promise<void> {
  const started = Date.now();
  clock.lap('admission'); // admitted, and the thread's line reached
  if (asked.claim && !(await asked.claim())) {
    bot.logger.debug({ threadId: asked.threadId }, 'message answered by another process');
    return;
  }
  await delivery.ready;
  clock.lap('acknowledged');
  const access = asked.access.kind === 'granted' ? { ok: true as const, settings: asked.access.settings } : await asked.access.read();
  if (!access.ok) {
    await delivery.post({ kind: 'refused', refusal: access.refusal });
    return;
  }
  const serverSettings = access.settings;
  clock.lap('access');
  const stored = asked.threadId ? await loadConversation({ conversations: bot.conversations, logger: bot.logger }, asked.threadId, asked.guildId) : { kind: 'missing' as const };
  clock.lap('storeLoad');
  const unfit = await asked.checkConversation?.(stored);
  if (unfit) {
    await delivery.post({ kind: 'refused', refusal: unfit });
    return;
  }
  const plan = await planWithFacts(planningOf(bot), asked, stored, serverSettings);
  if (plan.kind === 'refused') {
    if (plan.refusal.kind === 'attachments-rejected') bot.logger.info({ rejected: plan.refusal.rejected }, 'attachments rejected');
    await delivery.post({ kind: 'refused', refusal: plan.refusal });
    return;
  }
  clock.lap('plan');
  // Held before waiting in line, so requests in flight count against the limits together.
  const reserved = await bot.usage.reserve({
    guildId: asked.guildId,
    userId: asked.authorId,
    model: plan.model,
    imageSize: plan.settings.imageSize,
    limits: serverSettings,
    inputTokens: estimateInputTokens(plan),
  });
  if (!reserved.ok) {
    await delivery.post({ kind: 'refused', refusal: { kind: 'limit-reached', limit: reserved.limit, resetsAt: reserved.resetsAt, used: reserved.used, allowed: reserved.allowed } });
    return;
  }
  clock.lap('usageHold');
  try {
    await generateAndDeliver(bot, { asked, plan, serverSettings }, delivery, ticket, { started, reservation: reserved.reservation, clock });
  } finally {
    reserved.reservation.cancel(); // a no-op once committed; frees the hold when the turn ended before Gemini billed anything
  }
}

/** What planning reads of the bot, the same for every turn: the facts of PlanFacts that are not the turn's own. */
type Planning = Pick<PlanFacts, 'allowedModels' | 'imageModels' | 'historyBudgetBytes' | 'gemini' | 'attachmentPolicy'> & { logger: Logger };

function planningOf(bot: Pick<TurnDependencies, 'config' | 'historyBudgetBytes' | 'gemini' | 'attachments' | 'logger'>): Planning {
  const { allowedModels, imageModels } = bot.config;
  return { allowedModels, imageModels, historyBudgetBytes: bot.historyBudgetBytes, gemini: bot.gemini, attachmentPolicy: bot.attachments, logger: bot.logger };
}

/** Gathers what the planner needs beyond the request (the thread's latest images, only when it may use them), then plans. */
async function planWithFacts({ logger, ...planning }: Planning, asked: TurnRequest, stored: ThreadConversation, serverSettings: EffectiveSettings): Promise<TurnPlan> {
  const latestPostedImages = needsLatestPostedImages(asked, stored) && asked.latestPostedImages ? await asked.latestPostedImages() : undefined;
  const plan = planTurn({ ...planning, ask: asked, stored, serverDefaults: serverSettings, latestPostedImages });
  if (plan.kind === 'go' && plan.freshStart && stored.kind === 'found') {
    logger.error({ threadId: asked.threadId, freshStart: plan.freshStart }, 'conversation history has a missing image blob; the turn goes on without it');
  }
  return plan;
}

/** What the steps after the usage hold use: the slot's wait, Gemini, the stores the answer goes to, and what is counted and logged. */
type AfterHold = Pick<TurnDependencies, 'config' | 'conversations' | 'blobs' | 'gemini' | 'historyBudgetBytes' | 'attachments' | 'threadQueue' | 'metrics' | 'logger' | 'shutdownSignal'>;

async function generateAndDeliver(
  bot: AfterHold,
  planned: PlannedTurn,
  delivery: TurnDelivery,
  ticket: Ticket,
  context: { started: number; reservation: Reservation; clock: PhaseClock },
): Promise<void> {
  const progress = progressReporter(bot.logger, delivery);
  try {
    await generateAndDeliverWith(bot, planned, delivery, ticket, context, progress);
  } finally {
    // Also when the turn throws: a sketch still on its timer must not replace the explanation the member is about to read.
    await progress.settled();
  }
}

async function generateAndDeliverWith(
  bot: AfterHold,
  planned: PlannedTurn,
  delivery: TurnDelivery,
  ticket: Ticket,
  context: { started: number; reservation: Reservation; clock: PhaseClock },
  progress: ProgressReporter,
): Promise<void> {
  const { clock } = context;
  // The slot bounds a generation's big buffers, so the attachments are downloaded only once it is held.
  const granted = await ticket.waitForSlot((ahead) => progress({ kind: 'queued', ahead }), bot.shutdownSignal);
  clock.lap('slot');
  const hooks: TurnHooks = {
    signal: bot.shutdownSignal,
    onRetry: ({ delayMs }) => progress({ kind: 'retrying', seconds: Math.max(1, Math.round(delayMs / 1000)) }, { now: true }),
    // Previews off: the same streamed call, nobody watches it.
    onPreview: planned.serverSettings.previews ? ({ sketch, thought }) => progress({ kind: 'sketch', ...sketch, thought }) : undefined,
  };
  // Downloaded once per turn: a plan made again below sends the member's same files.
  const downloads: TurnDownloads = new Map();
  let attempt = granted ? await collectAndGenerate(bot, planned, hooks, clock, downloads) : undefined;
  // A stored image was missing or damaged: found only while the history was read. Go on without what cannot be sent.
  // Twice at most: the turns after a lost image may hold a damaged one, and the second plan then starts afresh.
  for (let tries = 0; tries < 2 && attempt?.kind === 'generated' && attempt.turn.outcome.kind === 'history-unreadable' && !planned.plan.freshStart; tries++) {
    const again = await planAroundUnreadableHistory(bot, planned);
    if (!again) break;
    planned = again;
    attempt = await collectAndGenerate(bot, planned, hooks, clock, downloads);
  }
  // Shutdown ended the wait, or an attachment is unusable: no generation happened, so none is logged or counted.
  if (attempt?.kind !== 'generated') {
    await progress.settled();
    await delivery.post(!attempt || bot.shutdownSignal.aborted ? { kind: 'failed', failure: { kind: 'interrupted' } } : { kind: 'refused', refusal: attempt.refusal });
    return;
  }
  const turn = attempt.turn;
  const { asked, plan } = planned;
  // The generation's bookkeeping (its log line, metrics, and what Gemini billed) once the post has settled, beside
  // the storing: done before it, its store writes ran beside the upload and made the image a few ms later (the
  // bench's new image). Until the usage commit lands, the reservation's hold keeps counting against the limits.
  // Done once, posted or not, and awaited before the turn ends. Also as soon as the stop interrupts turns, posted or
  // not: the store closes soon after, and an upload still on its way then must not leave Gemini's bill uncounted.
  // The line says what it said when it was written before the post: the time and steps until the answer was read.
  const generation = { latencyMs: Date.now() - context.started, phases: clock.phases() };
  let bookkept: Promise<void> | undefined;
  // Never throws: it may run inside the stop signal's listener, where a throw would be an uncaught exception.
  const bookkeep = () =>
    (bookkept ??= (() => {
      try {
        logGeneration(bot.logger, { guildId: asked.guildId, threadId: asked.threadId, userId: asked.authorId, model: plan.model }, turn, generation.latencyMs, generation.phases);
        bot.metrics.recordGeneration(plan.model, outcomeName(turn.outcome), turn.retries);
      } catch (error) {
        bot.logger.warn({ err: error, threadId: asked.threadId }, "could not log or count a generation; its usage is still recorded");
      }
      return recordUsage({ logger: bot.logger }, context.reservation, turn); // never rejects
    })());
  const bookkeepNow = () => void bookkeep();
  if (bot.shutdownSignal.aborted) bookkeepNow();
  else bot.shutdownSignal.addEventListener('abort', bookkeepNow, { once: true });
  const bookkeptAfterPost: TurnDelivery = {
    ...delivery,
    // Started, not awaited: the steps after the post go on beside it.
    post: (outcome, notes) => delivery.post(outcome, notes).finally(bookkeepNow),
  };
  try {
    await progress.settled();
    clock.lap('statusSettled');
    // A fresh start replaces the unreadable record (set aside, not lost) with a new one.
    const { conversations, blobs, threadQueue, logger } = bot;
    await deliverAndStore({ conversations, blobs, threadQueue, logger }, planned, bookkeptAfterPost, turn, clock);
  } finally {
    bot.shutdownSignal.removeEventListener('abort', bookkeepNow);
    await bookkeep();
  }
  // Timing only: every step, the upload and the storing included (the generation's line above is written after the upload).
  bot.logger.debug({ threadId: asked.threadId, phases: clock.phases() }, 'turn steps timed');
}

/**
 * The turn planned again once its history turned out unreadable while it was
 * read. Images the store no longer has are marked lost, so the turn goes on
 * from the exchanges after the last one that lost an image (the member is
 * told how many were left out), or afresh when the image it goes on from is
 * the one lost. An image that is there but damaged (not what its record
 * says), an unreadable history with no image newly lost, or one with every image lost, is a
 * fresh start, the record set aside unmarked. Undefined when the turn cannot go on (a reroll
 * of a turn that lost its image, or the image it worked from).
 */
async function planAroundUnreadableHistory(bot: AfterHold, planned: PlannedTurn): Promise<PlannedTurn | undefined> {
  const { asked, plan, serverSettings } = planned;
  const record = plan.store.kind === 'append' ? plan.store.record : undefined;
  const marked = record
    ? await markLostImages(record, bot.blobs).catch((error: unknown) => {
        bot.logger.warn({ err: error, threadId: asked.threadId }, 'could not ask the image store which images it lost');
        return record;
      })
    : undefined;
  // Every image missing (a mistaken BLOB_URL, say): marks saved now would outlast the mistake, so the turn starts
  // afresh and the record is set aside as it is, whole once the store is mended.
  const stored: ThreadConversation = marked && marked !== record && !lostEveryImage(marked) ? { kind: 'found', record: marked } : { kind: 'unreadable' };
  const again = await planWithFacts(planningOf(bot), asked, stored, serverSettings);
  if (again.kind !== 'go') return undefined;
  if (stored.kind === 'found' && !again.freshStart) {
    bot.logger.warn({ threadId: asked.threadId, lostExchanges: again.request.lostExchanges }, "going on from the thread's turns after the last image the store lost");
    // Kept with the answer: later turns leave those exchanges out from the record alone.
    return { ...planned, plan: again };
  }
  bot.logger.warn({ threadId: asked.threadId, freshStart: again.freshStart }, "going on without the thread's unreadable history");
  // The thread's model and options were readable: the fresh start keeps them.
  return { ...planned, plan: { ...again, model: plan.model, range: plan.range, settings: plan.settings } };
}

type Attempt = { kind: 'generated'; turn: GeneratedTurn } | { kind: 'refused'; refusal: ReferencesRefused };

/**
 * Downloads the references (once the slot is held) and asks Gemini. A plan
 * made again mid-turn takes the files this turn downloaded already from
 * `downloads`; generateTurn measures them again against its own history,
 * as it does a first download.
 */
async function collectAndGenerate(
  bot: Pick<TurnDependencies, 'attachments' | 'gemini' | 'historyBudgetBytes' | 'logger' | 'shutdownSignal'>,
  planned: PlannedTurn,
  hooks: TurnHooks,
  clock: PhaseClock,
  downloads: TurnDownloads,
): Promise<Attempt | undefined> {
  // Checked by the plan already (precheckReferences), a fresh start's too.
  const references = await collectReferences({ attachments: bot.attachments, logger: bot.logger }, planned.plan.attachments, bot.shutdownSignal, downloads);
  if (bot.shutdownSignal.aborted) return undefined;
  if (!references.ok) return { kind: 'refused', refusal: references.refusal };
  clock.lap('references');
  const turn = await generateTurn({ gemini: timedTransport(bot.gemini, clock), historyBudgetBytes: bot.historyBudgetBytes, logger: bot.logger }, planned, references.parts, hooks);
  clock.lap('answerCheck'); // generateTurn's checks of the answer's images (checkAnswerImages), after the call
  return { kind: 'generated', turn };
}

/** Timing only: the transport as it is, with laps around its call ('prepare' is generateTurn's work before it: the new user turn put together). */
function timedTransport(transport: GeminiTransport, clock: PhaseClock): GeminiTransport {
  return {
    api: transport.api,
    scope: (thread) => transport.scope(thread),
    async generate(request, hooks) {
      clock.lap('prepare');
      try {
        return await transport.generate(request, hooks);
      } finally {
        clock.lap('gemini'); // the request body streamed, Gemini's answer, read and parsed
      }
    },
    forget: (interactionIds, options) => transport.forget(interactionIds, options),
  };
}
