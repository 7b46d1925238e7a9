import type { AttachmentPolicy, AttachmentSource } from '../attachments/fetchAttachment.js';
import type { ConversationRecord, StoredPart } from '../conversation/conversationRecord.js';
import type { ThreadConversation } from '../conversation/loadConversation.js';
import type { ChosenDefaults, ImageSettings, ModelRange, ModelTable, RequestedImageSettings } from '../gemini/imageOptions.js';
import type { Refusal } from '../refusals/refusal.js';
import type { GeminiTransport } from './geminiTransport.js';
import type { ChosenRequest } from './planRequestContents.js';

// What planTurn is given and what it decides: the types, apart from the rules (planTurn.ts).

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
  /** The Gemini transport the turn is sent on: what of a conversation it sends (scope), and only its own API's answers can be replayed (see planRequestContents). */
  gemini: Pick<GeminiTransport, 'api' | 'scope'>;
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
   * latest: an upscale's image (redrawn from itself). A reroll builds where
   * the turn it redoes did, which its transport knows (GeminiTransport.scope).
   * On GEMINI_API=interactions the turn continues from that answer's
   * interaction, so Gemini sees the thread up to it (issue 13);
   * generateContent sends `history` as it is. Every other turn, an edit of an
   * older image included, builds on the latest.
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

export type TurnPlan = GoPlan | { kind: 'refused'; refusal: Refusal };
