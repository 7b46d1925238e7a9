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
  | { kind: 'images'; modelContent: ModelAnswer; images: GeneratedImage[]; text: string; usage: TokenUsage; sources: GroundingSource[] }
  | {
      kind: 'no-image';
      modelContent: ModelAnswer | undefined;
      text: string;
      finishReason: string | undefined;
      usage: TokenUsage;
      sources: GroundingSource[];
    }
  | { kind: 'blocked'; stage: 'prompt' | 'response'; reason: string; text: string; usage: TokenUsage }
  | { kind: 'failed'; failure: GeminiFailure };
