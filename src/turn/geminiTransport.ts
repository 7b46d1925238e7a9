import type { Exchange } from '../conversation/conversationRecord.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import type { RetryOptions } from '../gemini/callWithRetries.js';
import type { GeminiInteraction, GenerationOutcome } from '../gemini/generationOutcome.js';
import type { ImageSettings } from '../gemini/imageOptions.js';

/**
 * One turn as the turn asks Gemini for it. `history` is every earlier
 * exchange the turn sends, as stored: a transport replays each answer
 * exactly as Gemini sent it, thought signatures included (signatureReplay.ts:
 * Gemini refuses an edit whose replayed answer lacks them); `userParts` is
 * the new turn. Images may still be in the blob store: a transport reads
 * them as it sends.
 */
export interface GeminiTurnRequest {
  model: string;
  history: Exchange[];
  userParts: OutgoingPart[];
  settings: ImageSettings;
  /** Ground the answer in Google Search results. */
  search: boolean;
  /**
   * The interaction the last exchange of `history` was answered in, when it
   * was (Interactions API): a transport that keeps history at Google
   * continues from it and sends only `userParts`; generateContent ignores it.
   */
  continueFrom?: GeminiInteraction | undefined;
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
      /** Sent as a continuation of an interaction Google keeps (only the new input): no turn of the history was left out. */
      continued?: boolean | undefined;
      /** The interaction Google stored for this answer, whatever its outcome: deleted when the history does not keep it. */
      interactionId?: string | undefined;
    }
  /** Our side could not send the history (a stored image missing or unreadable): the history's problem, not Gemini's. */
  | { kind: 'unsendable'; problem: string; missingBlob?: string | undefined; retries: number };

/**
 * Gemini, as a turn sees it: a request in, an outcome out. generateContent
 * is the first implementation; another API (the Interactions API) is
 * another implementation (its own file here), without touching the turn.
 * Never rejects.
 */
export interface GeminiTransport {
  /**
   * Which API's answers this transport replays: an exchange stored by the
   * other one cannot be (its thought signatures belong to the other wire
   * shape), so a turn goes on without it (planRequestContents).
   */
  readonly api: GeminiApi;
  generate(request: GeminiTurnRequest, hooks: TurnHooks): Promise<GeminiTurnResult>;
  /** Deletes interactions Google stores (Interactions API), whichever API is in use now; best effort: each failure logged, never rejects. */
  forget(interactionIds: readonly string[]): Promise<void>;
}
