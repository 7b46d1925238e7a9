import { precheckReferences } from '../attachments/collectReferences.js';
import type { AttachmentPolicy, AttachmentSource } from '../attachments/fetchAttachment.js';
import { findExchangeByMessage, isGone, type ConversationRecord, type StoredPart } from '../conversation/conversationRecord.js';
import type { ThreadConversation } from '../conversation/loadConversation.js';
import { checkImageOptions, optionsTakenBy, type ChosenDefaults, type ImageSettings, type ModelRange, type ModelTable, type RequestedImageSettings } from '../gemini/imageOptions.js';
import { declaredImageBytes } from '../conversation/historyBudget.js';
import { outgoingParts } from '../conversation/outgoingParts.js';
import type { Refusal } from '../refusals/refusal.js';
import type { GeminiApi } from './geminiTransport.js';
import { modelAndOptions, type ModelAndOptions } from './modelAndOptions.js';
import { planRequestContents, type ChosenRequest, type RequestInput } from './planRequestContents.js';

/**
 * What a turn is asked to do, as far as planning needs it: the rest of a
 * TurnRequest (who asked, the prompt, how to claim and deliver) travels on
 * beside the plan unchanged.
 */
export interface TurnAsk {
  /** The member's words (a reroll's come from the turn it redoes). */
  prompt: string;
  /** The member's own reference images, downloaded later (once the turn holds a Gemini slot). */
  attachments: AttachmentSource[];
  /** The bot message replied to (or whose button or form was used), if any. */
  replyToMessageId?: string | undefined;
  /** That message's images as Discord shows them, when known: what a lost turn or an unreadable history goes on from. */
  repliedImages?: AttachmentSource[] | undefined;
  /** A reroll: the turn shown by this message again, from the history before it, with its words and image options. */
  replay?: { messageId: string } | undefined;
  /** Upscale: the turn builds on the replied image's own turn, not on the thread since (see GoPlan.buildsOn). */
  buildsOnReplied?: boolean | undefined;
  /** Image options chosen now, as asked (checked against the model here); a thread (or a rerolled turn) otherwise keeps its own. */
  settings: RequestedImageSettings;
  /** The model chosen with /imagine; only a new conversation takes it. */
  model?: string | undefined;
}

export interface PlanFacts {
  ask: TurnAsk;
  /** The thread's stored conversation (missing for a new one). */
  stored: ThreadConversation;
  /**
   * The server's defaults for a new conversation: its model, and the image
   * options as chosen, which the turn's own model then filters (a member's
   * pick of another model gets the defaults that model makes).
   */
  serverDefaults: { model: string; chosenDefaults: ChosenDefaults };
  /** The models the operator offers now (GEMINI_MODELS). */
  allowedModels: readonly string[];
  /** What each model makes (the built-in table with GEMINI_MODEL_OPTIONS over it). */
  imageModels: ModelTable;
  /**
   * The images of the latest bot message in the thread, looked up only when
   * the plan may need them (see needsLatestPostedImages); undefined when not
   * looked up or when the request has no way to look (a button's turn).
   */
  latestPostedImages?: AttachmentSource[] | undefined;
  /** The most a request to Gemini may weigh (HISTORY_BUDGET_MB): the oldest exchanges are left out to stay under it. */
  historyBudgetBytes: number;
  /** The Gemini API the turn is sent on: only its own exchanges can be replayed (see planRequestContents). */
  api: GeminiApi;
  /** Where reference images may come from and how large each may be (checked here by what the files declare). */
  attachmentPolicy: Pick<AttachmentPolicy, 'allowedOrigins' | 'maxBytes'>;
}

/** Where a turn whose stored history cannot be read goes on from: the member is told in a note. */
export type FreshStart = 'replied-image' | 'latest-image' | 'nothing';

/**
 * Where the answer is kept: added to the thread's record, in a new record
 * (a new conversation), or in a new record that takes the place of the
 * unreadable one, set aside first (a fresh start: stored data is never lost).
 */
export type StoreDecision = { kind: 'append'; record: ConversationRecord } | { kind: 'new' } | { kind: 'replace-unreadable' };

/** A turn that goes ahead: what planTurn decided. */
export interface GoPlan {
  kind: 'go';
  /** Where the answer is kept. */
  store: StoreDecision;
  /** The exchanges Gemini is sent before the new turn (a reroll's stop before the turn it redoes). */
  history: ConversationRecord | undefined;
  /** The reroll's position in the history, when rerolling. */
  replayIndex: number | undefined;
  /** The rerolled turn's user parts as stored, sent again exactly (images still in the blob store). */
  replayUserParts: StoredPart[] | undefined;
  /** References to send: images a lost turn or a fresh start goes on from, then the member's own. */
  attachments: AttachmentSource[];
  /** The earlier answer this turn edits, when the history holds it. */
  replyToMessageId: string | undefined;
  /**
   * The earlier answer whose turn this one builds on, when not the thread's
   * latest: an upscale's image (redrawn from itself), a reroll's first base
   * (Exchange.interaction.builtOn). On GEMINI_API=interactions the turn
   * continues from that answer's interaction, so Gemini sees the thread up
   * to it (issue 13); generateContent sends `history` as it is. Every other
   * turn, an edit of an older image included, builds on the latest.
   */
  buildsOn: string | undefined;
  /** The turn's words: the member's, or a reroll's as first sent (its parts are sent again exactly; these are for the byline). */
  prompt: string;
  model: string;
  /** What the model makes (the table's range, or the cautious one for a model it does not know). */
  range: ModelRange;
  settings: ImageSettings;
  /** Set when the stored history could not be read and the turn goes on without it. */
  freshStart: FreshStart | undefined;
  /**
   * The history to send and what travels with the new turn, fitted to the
   * request budget by the sizes the references declare (generateTurn checks
   * it again if a download turned out larger).
   */
  request: ChosenRequest;
}

/** A plan before its request is chosen. */
type Decided = Omit<GoPlan, 'request'>;

export type TurnPlan = GoPlan | { kind: 'refused'; refusal: Refusal };

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
  // An image the store had lost when the record was migrated (migrateRecord marks it gone).
  // The history is as unreadable as a record that cannot be parsed, but its model and options still apply.
  if (record && lostAnImage(record)) return planFreshStart(facts, modelAndOptions(record, ask.model, facts.serverDefaults, facts.imageModels));

  // A reroll finds its turn in the history as it is now: a Delete handled meanwhile may have moved or removed it.
  const replayed = ask.replay && record ? findExchangeByMessage(record, ask.replay.messageId) : undefined;
  if (ask.replay && !replayed) return refused({ kind: 'turn-gone' });

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
    buildsOn: replayed ? replayed.exchange.interaction?.builtOn : ask.buildsOnReplied && !lostTurn ? ask.replyToMessageId : undefined,
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
  const unreadable = stored.kind === 'unreadable' || (stored.kind === 'found' && lostAnImage(stored.record));
  return unreadable && !ask.replay && (ask.repliedImages ?? []).length === 0;
}

/** Whether an image of the record is one the blob store lost (marked gone when the record was migrated). */
export function lostAnImage(record: ConversationRecord): boolean {
  return record.exchanges.some((exchange) => [...exchange.user.parts, ...exchange.model.parts].some((part) => part.blob && isGone(part.blob)));
}

/**
 * The request the plan sends, chosen before the turn waits for anything:
 * references that may not be used, and a turn too large for Gemini even
 * with the whole history left out, are refused here, before the turn
 * queues, holds usage or downloads a file.
 */
function withRequest(decided: Decided, facts: Pick<PlanFacts, 'api' | 'historyBudgetBytes' | 'attachmentPolicy'>): TurnPlan {
  const precheck = precheckReferences(facts.attachmentPolicy, decided.attachments);
  if (!precheck.ok) return refused(precheck.refusal);
  const chosen = planRequestContents(requestInputFor(decided, facts.api, declaredImageBytes(decided.attachments)), facts.historyBudgetBytes);
  if (chosen.kind === 'too-large') return refused({ kind: 'history-too-large' });
  // lostAnImage sent such a record to a fresh start already; this answers the type.
  if (chosen.kind === 'unreadable') return refused({ kind: 'history-unreadable' });
  return { ...decided, request: chosen };
}

/** What the plan's request is chosen from, for references of `referenceBytes` (declared, or measured once downloaded). */
export function requestInputFor(plan: Omit<GoPlan, 'kind' | 'request'>, api: GeminiApi, referenceBytes: number): RequestInput {
  return {
    record: plan.history,
    prompt: plan.prompt,
    referenceBytes,
    replyToMessageId: plan.replyToMessageId,
    // On interactions an upscale goes on from its image's turn, a reroll from where its turn first did.
    buildsOn: plan.buildsOn,
    // A reroll: the turn exactly as first sent (text, re-sent image and references), after the history before it.
    exactUserParts: plan.replayUserParts && outgoingParts(plan.replayUserParts),
    api,
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
