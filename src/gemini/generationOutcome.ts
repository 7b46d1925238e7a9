import type { ModelAnswer } from './modelAnswer.js';

/** One image Gemini produced, still base64 as received (decoded only when attached). */
export interface GeneratedImage {
  mimeType: string;
  base64: string;
}

/** A web page Google Search grounding used, from candidates[0].groundingMetadata. */
export interface GroundingSource {
  title: string;
  uri: string;
}

export interface TokenUsage {
  promptTokens?: number | undefined;
  outputTokens?: number | undefined;
  thoughtTokens?: number | undefined;
  totalTokens?: number | undefined;
}

/** The interaction an answer was made in (Interactions API): stored with it, so the next turn continues from it. */
export interface GeminiInteraction {
  id: string;
  /** ISO time, on our clock, when the request that made it started (never later than Google's own). */
  createdAt: string;
  /**
   * The bot message whose answer's interaction the turn continued from (the
   * latest; an upscale's image; a reroll's own first base), so a reroll of it
   * starts from the same point. Records of earlier builds may name the
   * older image an edit of it continued from then: a reroll keeps to that.
   */
  builtOn?: string | undefined;
}

/** Why a call to Gemini did not produce an answer at all. */
export type GeminiFailure =
  | {
      kind: 'http';
      status: number;
      apiStatus: string | undefined;
      message: string;
      retryDelayMs?: number | undefined;
      quotaPeriod?: 'day' | 'minute' | undefined;
      /** The status is a guess (an error inside a stream whose code this bot does not know): never retried, as it may be billed or fail the same way. */
      statusGuessed?: true | undefined;
    }
  | { kind: 'timeout' }
  /** The bot is shutting down and gave up waiting. */
  | { kind: 'interrupted' }
  | { kind: 'network'; message: string }
  /** A streamed answer broke off before Gemini finished it (the connection dropped, or the stream ended early): nothing of it is used. */
  | { kind: 'cut'; message: string }
  | { kind: 'malformed'; message: string }
  /** Our side could not produce the request body (a stored image became unreadable while it was sent): never retried. */
  | { kind: 'unsendable'; message: string; storeFailed?: boolean | undefined };

/**
 * The closed set of ways a generation ends. One switch in the Discord
 * renderer turns each into a message; the compiler checks none is missing.
 */
export type GenerationOutcome =
  | { kind: 'images'; modelContent: ModelAnswer; images: GeneratedImage[]; text: string; usage: TokenUsage; sources: GroundingSource[]; interaction?: GeminiInteraction | undefined }
  | {
      kind: 'no-image';
      modelContent: ModelAnswer | undefined;
      text: string;
      finishReason: string | undefined;
      usage: TokenUsage;
      sources: GroundingSource[];
      interaction?: GeminiInteraction | undefined;
    }
  | { kind: 'blocked'; stage: 'prompt' | 'response'; reason: string; text: string; usage: TokenUsage }
  | { kind: 'failed'; failure: GeminiFailure };
