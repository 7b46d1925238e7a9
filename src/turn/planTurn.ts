import { precheckReferences } from '../limits/attachmentLimits.js';
import { findExchangeByMessage, isGone, type ConversationRecord, type StoredPart } from '../conversation/conversationRecord.js';
import type { ThreadConversation } from '../conversation/loadConversation.js';
import { checkImageOptions, optionsTakenBy, type ImageSettings, type ModelRange, type RequestedImageSettings } from '../gemini/imageOptions.js';
import { declaredImageBytes } from '../limits/historyBudget.js';
import { holdsAnImage, lostAnImage } from '../conversation/lostImages.js';
import { outgoingParts } from '../conversation/outgoingParts.js';
import type { Refusal } from '../refusals/refusal.js';
import type { GeminiTransport } from './geminiTransport.js';
import { modelAndOptions, type ModelAndOptions } from './modelAndOptions.js';
import { planRequestContents, type RequestInput } from './planRequestContents.js';
import type { GoPlan, PlanFacts, TurnAsk, TurnPlan } from './turnPlan.js';

/** A plan before its request is chosen. */
type Decided = Omit<GoPlan, 'request'>;

/**
 * The decisions of a turn, before any waiting or calling: which history it
 * continues (or why it cannot), which model and image options apply, which
 * images travel along as references, the history to send within the request
 * budget, and where the answer is kept. Pure: every fact it needs is
 * gathered first (see needsLatestPostedImages), so each rule is tested
 * on its own (test/turn/planTurn.test.ts).
 */
export function planTurn(facts: PlanFacts): TurnPlan {
  const decided = decide(facts);
  return decided.kind === 'go' ? withRequest(decided, facts) : decided;
}

/** The history, model, options and references of a turn. */
function decide(facts: PlanFacts): Decided | { kind: 'refused'; refusal: Refusal } {
  const { ask, stored } = facts;
  if (stored.kind === 'refused') return refused(stored.refusal);
  if (stored.kind === 'unreadable') return planFreshStart(facts);
  const record = stored.kind === 'found' ? stored.record : undefined;
  // The image the turn goes on from is one the store lost: that history cannot carry the turn, but the thread's
  // model and options still apply. An image lost further back only shortens the history (planRequestContents).
  if (record && lostWhatItBuildsOn(ask, record)) return planFreshStart(facts, modelAndOptions(record, ask.model, facts.serverDefaults, facts.imageModels));

  // A reroll finds its turn in the history as it is now: a Delete handled meanwhile may have moved or removed it.
  const replayed = ask.replay && record ? findExchangeByMessage(record, ask.replay.messageId) : undefined;
  if (ask.replay && !replayed) return refused({ kind: 'turn-gone' });
  // A reroll sends its turn's own parts again exactly: one of their images lost, there is nothing to redo.
  if (replayed && replayed.exchange.user.parts.some((part) => part.blob && isGone(part.blob))) return refused({ kind: 'history-unreadable' });

  const { model, range, applying: threadSettings } = modelAndOptions(record, ask.model, facts.serverDefaults, facts.imageModels);
  if (record && !facts.allowedModels.includes(model)) {
    // Another model cannot carry on this history (thought signatures are the model's own), and the operator withdrew this one.
    return refused({ kind: 'model-withdrawn', model });
  }
  // A reroll redoes its turn with that turn's own options.
  const baseSettings = replayed ? { ...threadSettings, ...definedOnly(replayed.exchange.settings) } : threadSettings;
  const options = optionsFor({ model, range }, record ? 'conversation' : 'new-image', baseSettings, ask.settings);
  if (!options.ok) return options.refused;
  const lostTurn = repliesToLostTurn(ask, record);
  return {
    kind: 'go',
    store: record ? { kind: 'append', record } : { kind: 'new' },
    history: replayed && record ? { ...record, exchanges: record.exchanges.slice(0, replayed.index) } : record,
    replayIndex: replayed?.index,
    replayUserParts: replayed?.exchange.user.parts,
    attachments: lostTurn ? [...(ask.repliedImages ?? []), ...ask.attachments] : ask.attachments,
    replyToMessageId: lostTurn ? undefined : ask.replyToMessageId,
    buildsOn: !replayed && ask.buildsOnReplied && !lostTurn ? ask.replyToMessageId : undefined,
    prompt: replayed ? wordsOf(replayed.exchange.user.parts) : ask.prompt,
    model,
    range,
    settings: options.settings,
    freshStart: undefined,
  };
}

/**
 * Whether planning needs the thread's latest posted images: only when the
 * stored history cannot be read and the member did not point at an image
 * whose bytes are at hand. Asking Discord costs a round trip, so the
 * caller looks them up only then.
 */
export function needsLatestPostedImages(ask: Pick<TurnAsk, 'replay' | 'repliedImages'>, stored: ThreadConversation): boolean {
  const unreadable = stored.kind === 'unreadable' || (stored.kind === 'found' && lostWhatItBuildsOn(ask, stored.record));
  return unreadable && !ask.replay && (ask.repliedImages ?? []).length === 0;
}

/**
 * Whether the store lost an image of the exchange a turn goes on from: the
 * newest one holding an image (a text-only answer or turn after it works from
 * that image still), or the one replied to (the image edited, or upscaled).
 * Such a turn starts afresh from the image as Discord shows it, and the record
 * is set aside unmarked. A reroll goes on from the history before its turn:
 * the image it worked from lost, it is refused (planFreshStart).
 */
function lostWhatItBuildsOn(ask: Pick<TurnAsk, 'replay' | 'replyToMessageId'>, record: ConversationRecord): boolean {
  const before = ask.replay ? findExchangeByMessage(record, ask.replay.messageId)?.index : record.exchanges.length;
  if (before === undefined) return false; // a reroll of a turn gone meanwhile: refused as such (decide)
  const workedFrom = record.exchanges.slice(0, before).findLast(holdsAnImage);
  const replied = ask.replay || ask.replyToMessageId === undefined ? undefined : findExchangeByMessage(record, ask.replyToMessageId)?.exchange;
  return [workedFrom, replied].some((exchange) => exchange !== undefined && lostAnImage(exchange));
}

/**
 * The request the plan sends, chosen before the turn waits for anything:
 * references that may not be used, and a turn too large for Gemini even
 * with the whole history left out, are refused here, before the turn
 * queues, holds usage or downloads a file.
 */
function withRequest(decided: Decided, facts: Pick<PlanFacts, 'gemini' | 'historyBudgetBytes' | 'attachmentPolicy'>): TurnPlan {
  const precheck = precheckReferences(facts.attachmentPolicy, decided.attachments);
  if (!precheck.ok) return refused(precheck.refusal);
  const chosen = planRequestContents(requestInputFor(decided, facts.gemini, declaredImageBytes(decided.attachments)), facts.historyBudgetBytes);
  if (chosen.kind === 'too-large') return refused({ kind: 'history-too-large' });
  // lostWhatItBuildsOn sent such a turn to a fresh start already (or a reroll of a lost turn to a refusal); this answers the type.
  if (chosen.kind === 'unreadable') return refused({ kind: 'history-unreadable' });
  return { ...decided, request: chosen };
}

/** What the plan's request is chosen from, for references of `referenceBytes` (declared, or measured once downloaded). */
export function requestInputFor(plan: Omit<GoPlan, 'kind' | 'request'>, gemini: Pick<GeminiTransport, 'api' | 'scope'>, referenceBytes: number): RequestInput {
  const redoes = plan.replayIndex !== undefined && plan.store.kind === 'append' ? plan.store.record.exchanges[plan.replayIndex] : undefined;
  return {
    // What of the conversation this API sends: where an upscale builds (its image), or a reroll (where its turn did).
    scope: gemini.scope({ exchanges: plan.history?.exchanges ?? [], buildsOn: plan.buildsOn, redoes }),
    api: gemini.api,
    latestApi: plan.store.kind === 'append' ? plan.store.record.exchanges.at(-1)?.model.api : undefined,
    lostImageTurnsTold: plan.store.kind === 'append' ? (plan.store.record.lostImageTurnsTold ?? 0) : 0,
    prompt: plan.prompt,
    referenceBytes,
    replyToMessageId: plan.replyToMessageId,
    // A reroll: the turn exactly as first sent (text, re-sent image and references), after the history before it.
    exactUserParts: plan.replayUserParts && outgoingParts(plan.replayUserParts),
  };
}

/**
 * A thread whose stored history cannot be read is never a dead end: the turn
 * goes on without it, from one image sent as a reference (the one the member
 * replied to, else the latest the bot posted in the thread), or from the
 * words alone when there is none. A reroll replays a turn of that history and
 * cannot; nor can a turn on one image it has no way to get (a button on a
 * message without images: words alone would redraw something else).
 */
function planFreshStart(facts: PlanFacts, thread?: ModelAndOptions): Decided | { kind: 'refused'; refusal: Refusal } {
  const { ask } = facts;
  const replied = ask.replyToMessageId ? (ask.repliedImages ?? []) : [];
  const cannotFindTheImage = ask.replyToMessageId !== undefined && replied.length === 0 && facts.latestPostedImages === undefined;
  if (ask.replay || cannotFindTheImage) return refused({ kind: 'history-unreadable' });
  const images = replied.length > 0 ? replied : (facts.latestPostedImages ?? []);
  // A thread whose record was read keeps its model and options; otherwise the turn starts as a new conversation would.
  const { model, range, applying } = thread ?? modelAndOptions(undefined, ask.model, facts.serverDefaults, facts.imageModels);
  const options = optionsFor({ model, range }, thread ? 'conversation' : 'new-image', applying, ask.settings);
  if (!options.ok) return options.refused;
  return {
    kind: 'go',
    store: { kind: 'replace-unreadable' },
    history: undefined,
    replayIndex: undefined,
    replayUserParts: undefined,
    attachments: [...images, ...ask.attachments],
    replyToMessageId: undefined,
    buildsOn: undefined,
    prompt: ask.prompt,
    model,
    range,
    settings: options.settings,
    freshStart: replied.length > 0 ? 'replied-image' : images.length > 0 ? 'latest-image' : 'nothing',
  };
}

/**
 * A reply to one of the bot's images that the history does not hold (its
 * turn could not be saved, or the process died between posting and saving)
 * sends that image along as a reference, so the edit applies to what the
 * member pointed at rather than to the thread's latest image.
 */
function repliesToLostTurn(ask: TurnAsk, record: ConversationRecord | undefined): boolean {
  if (!ask.replyToMessageId || (ask.repliedImages ?? []).length === 0) return false;
  return !record?.exchanges.some((exchange) => exchange.model.messageId === ask.replyToMessageId);
}

/** The words of a stored user turn, without its images. */
function wordsOf(parts: StoredPart[]): string {
  return parts.flatMap(({ raw }) => (typeof raw['text'] === 'string' ? [raw['text']] : [])).join('\n');
}

/**
 * The thread's (or server's) options, overridden by those chosen now. What
 * the member chose is checked against the model whatever asked (a typed
 * value, a stale client, a button, a thread of another model): one it does
 * not take is refused, naming what it takes, so Gemini is never sent an
 * option it would reject. A default it does not take (a thread's, rerolled
 * on a record whose options predate the table) is left for Gemini's own.
 */
function optionsFor(
  { model, range }: { model: string; range: ModelRange },
  whose: 'new-image' | 'conversation',
  base: ImageSettings,
  chosen: RequestedImageSettings,
): { ok: true; settings: ImageSettings } | { ok: false; refused: { kind: 'refused'; refusal: Refusal } } {
  const checked = checkImageOptions(range, chosen);
  if (!checked.ok) return { ok: false, refused: refused({ kind: 'image-option-unsupported', model, whose, ...checked.problem }) };
  return { ok: true, settings: { ...optionsTakenBy(range, base), ...checked.settings } };
}

function definedOnly(settings: ImageSettings): ImageSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

function refused(refusal: Refusal): { kind: 'refused'; refusal: Refusal } {
  return { kind: 'refused', refusal };
}
