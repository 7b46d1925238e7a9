import type { Exchange } from '../conversation/conversationRecord.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import type { RetryOptions } from '../gemini/callWithRetries.js';
import type { GeminiFailure, GenerationOutcome } from '../gemini/generationOutcome.js';
import type { ImageSettings } from '../gemini/imageOptions.js';

/** Where in its conversation a turn builds, as the turn says it: a transport decides what that means on its API (GeminiTransport.scope). */
export interface TurnThread {
  /** The stored conversation the turn continues, oldest first (a reroll's stops before the turn it redoes). */
  exchanges: readonly Exchange[];
  /** The answer (its bot message) the turn builds on when not the latest: an upscale's image, redrawn from itself. */
  buildsOn?: string | undefined;
  /** A reroll: the stored turn it redoes, which builds where that turn did. */
  redoes?: Exchange | undefined;
}

/** What of its conversation a turn sends on an API, before the request budget. */
export interface ReplayScope {
  /** The exchanges a stateless replay of the turn sends, oldest first (the turn leaves out the other API's answers). */
  exchanges: readonly Exchange[];
  /**
   * Gemini already holds the conversation up to the last of `exchanges` (an
   * API that keeps conversations, and still keeps this one): the turn is then
   * sent on from there, so only the new turn must fit the budget, and the
   * budgeted replay is the fallback should Gemini no longer know it.
   */
  held: boolean;
}

/**
 * One turn as the turn asks Gemini for it. `thread` is the conversation up
 * to where the turn builds (ReplayScope.exchanges); `history` the newest of
 * it that a stateless replay sends within the budget, each answer replayed
 * exactly as Gemini sent it, thought signatures included (signatureReplay.ts:
 * Gemini refuses an edit whose replayed answer lacks them); `userParts` is
 * the new turn. Images may still be in the blob store: a transport reads
 * them as it sends.
 */
export interface GeminiTurnRequest {
  model: string;
  thread: readonly Exchange[];
  history: readonly Exchange[];
  userParts: OutgoingPart[];
  settings: ImageSettings;
  /** Ground the answer in Google Search results. */
  search: boolean;
  /** The latest answer (its bot message) of the record the answer is added to, when there is one: the answer follows it there. */
  recordLatest?: string | undefined;
}

export type GeminiApi = 'generate-content' | 'interactions';

/** How a call waits between retries, hears of shutdown, and shows Gemini's interim images (sketches) while it works. */
export interface TurnHooks {
  signal?: AbortSignal | undefined;
  onRetry?: RetryOptions['onRetry'];
  /** Absent: nobody watches (previews are off), so Gemini is not asked for its drafts (thoughts). */
  onPreview?: RetryOptions['onPreview'];
}

export type GeminiTurnResult =
  /** Gemini's answer (or why there was none), classified; its `modelContent` exactly as received, for the next replay. */
  | {
      kind: 'answered';
      outcome: GenerationOutcome;
      retries: number;
      /** Sent on from the conversation Gemini holds (ReplayScope.held), only the new turn: no turn of the history was left out. */
      continued?: boolean | undefined;
      /** What Gemini keeps of this answer, deleted there (best effort, never rejects) when the history does not keep the answer. */
      discard?: (() => Promise<void>) | undefined;
    }
  /** Our side could not send the history (a stored image missing or unreadable): the history's problem, not Gemini's. */
  | { kind: 'unsendable'; problem: string; missingBlob?: string | undefined; retries: number };

/** A stored image the request body needs is not in the store: found before anything was sent. */
export function missingStoredImage(missingBlob: string): GeminiTurnResult {
  return { kind: 'unsendable', problem: 'a stored image is missing', missingBlob, retries: 0 };
}

/**
 * A call that ended without an answer, as both transports hand it to the
 * turn: a stored image that could not be read while the body streamed is the
 * history's problem (never retried, not Gemini's fault); when the store did
 * not answer, the history is intact, so it is a failure the member is told of
 * and tries again, nothing starting afresh.
 */
export function failedCall(failure: GeminiFailure, retries: number): GeminiTurnResult {
  if (failure.kind === 'unsendable' && !failure.storeFailed) return { kind: 'unsendable', problem: failure.message, retries };
  return { kind: 'answered', outcome: { kind: 'failed', failure }, retries };
}

/**
 * Gemini, as a turn sees it: what of a conversation a turn sends (pure, so
 * the planner decides before the turn waits), then a request in, an outcome
 * out. Its implementations live in src/transports/ (generateContentTransport.ts,
 * interactionsTransport.ts), each beside nothing of the turn's: a second
 * transport was added without touching the turn. Never rejects.
 */
export interface GeminiTransport {
  /**
   * Which API's answers this transport replays: an answer the other one
   * stored cannot be (its thought signatures belong to the other wire
   * shape), so a turn goes on without it (planRequestContents).
   */
  readonly api: GeminiApi;
  scope(thread: TurnThread): ReplayScope;
  generate(request: GeminiTurnRequest, hooks: TurnHooks): Promise<GeminiTurnResult>;
  /**
   * Deletes interactions Google stores (Interactions API), whichever API is in use now; best effort: each failure
   * logged, never rejects. Returns the ids Google did not confirm gone (2xx or 404). Once `signal` (shutdown) aborts,
   * no more are asked for.
   */
  forget(interactionIds: readonly string[], options?: { signal?: AbortSignal | undefined }): Promise<string[]>;
}
