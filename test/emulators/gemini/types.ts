// The emulator's public types: what a test can script and what it can inspect.

import type { IncomingHttpHeaders } from 'node:http';
import type { ImageDamage } from './damageImage.js';
import type { InteractionsEmulator } from './interactionsTypes.js';
import type { ImageInfo } from './jpeg.js';
import type { ImageOptionRange } from './modelImageOptions.js';

export type { ImageDamage } from './damageImage.js';

export type CaseStyle = 'camel' | 'snake';

/**
 * How a streamed answer (streamGenerateContent) is delivered. generateContent
 * ignores it: the same behaviour answers there in one body.
 */
export interface StreamScript {
  /**
   * How the answer ends. 'signed' (default): a last chunk `{"text":"","thoughtSignature":…}`
   * carrying finishReason, the part Google's JS SDK drops; 'empty': a last `{"text":""}` chunk,
   * unsigned, carrying finishReason (as a recorded Gemini 3 Pro Image stream does); 'bare': a last
   * chunk with finishReason and no content; 'none': finishReason rides on the chunk of the last
   * real part.
   */
  trailer?: 'signed' | 'empty' | 'bare' | 'none';
  /**
   * After this many chunks, an error chunk `data: {"error":{…}}` on the 200 stream, then the end
   * (Google does this mid-stream, e.g. 503 UNAVAILABLE, as third-party reports describe).
   */
  errorAfter?: number;
  /** The error's status (default 503). */
  errorStatus?: 429 | 500 | 503;
  /**
   * Destroys the connection after this many chunks: no finishReason, no clean end. 'end': after
   * the last chunk (the answer is whole, finishReason included, but the body never ends cleanly).
   */
  cutAfter?: number | 'end';
  /** Ends the response cleanly after this many chunks, without the rest (no finishReason). */
  endAfter?: number;
  /**
   * Stops after this many chunks until `until` settles, then sends the rest (see `stalledStream`).
   * 'end': after the last chunk, with the connection left open.
   */
  stallAfter?: number | 'end';
  until?: Promise<unknown>;
  /** Called once the stall point is reached (the chunks before it are written). */
  onStall?: () => void;
}

/** What the "model" does with the next valid generateContent or streamGenerateContent request. */
export type Behaviour =
  | {
      kind: 'image';
      text?: string;
      images?: number;
      /** Pad each JPEG to about this many bytes. */
      imageBytes?: number;
      /** 0..2 interim thought images before the final one (Gemini 3 Pro Image does this), sent only when the request asks for thoughts. */
      thoughtImages?: number;
      /** Breaks the final images, in order ('intact' or a missing entry leaves one whole). */
      damage?: Array<ImageDamage | 'intact'>;
      /** Breaks every interim thought image. */
      thoughtDamage?: ImageDamage;
      stream?: StreamScript;
    }
  /** STOP with text and no image; drafts (interim thought images) may come first, whole or broken. */
  | { kind: 'text-only'; text: string; thoughtImages?: number; thoughtDamage?: ImageDamage; stream?: StreamScript }
  /** promptFeedback.blockReason and no candidates (streamed: the only chunk). */
  | { kind: 'prompt-blocked'; reason: string; stream?: StreamScript }
  /**
   * One candidate with this finishReason and no image (IMAGE_SAFETY, NO_IMAGE, ...). With
   * `thoughts`, the model's thought text and `thoughtImages` drafts come first (streamed: as
   * chunks before the block, the safety stop arriving mid-stream).
   */
  | { kind: 'finish'; reason: string; text?: string; thoughts?: boolean; thoughtImages?: number; stream?: StreamScript }
  | { kind: 'no-candidates'; stream?: StreamScript }
  | {
      kind: 'error';
      status: 429 | 500 | 503 | 400 | 403 | 404;
      /** e.g. '1s': adds google.rpc.RetryInfo. */
      retryDelay?: string;
      /** Which quota a 429 names (default 'minute'). */
      quota?: 'minute' | 'day';
      message?: string;
    }
  | { kind: 'delay'; ms: number; then?: Behaviour }
  /**
   * Answers with `then` once `until` settles: the test releases the answer on the event it waits for
   * (another request queued, a deadline passed), so the order holds however slow the machine is.
   */
  | { kind: 'held'; until: Promise<unknown>; then?: Behaviour }
  /** Never answers, until the emulator closes. */
  | { kind: 'hang' }
  /** Destroys the socket without an HTTP response. */
  | { kind: 'reset' }
  /** A body that is not Gemini's JSON, as a proxy or a broken front end might send (an HTML error page, a cut answer). */
  | { kind: 'raw'; status: number; body: string; contentType?: string };

export interface RecordedGeminiRequest {
  /** Which method was called. */
  method: 'generateContent' | 'streamGenerateContent';
  /** The `alt` query parameter, when sent ('sse' for a server-sent-events stream). */
  alt?: string;
  model: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  /** The HTTP status sent; 0 while unanswered or when the socket was reset. */
  status: number;
  /**
   * The JSON body sent back (answer or error), exactly as sent; undefined while unanswered or after a reset.
   * For a stream: the array of chunks written so far (it grows while the stream runs).
   */
  response?: unknown;
  /**
   * For a stream answered 200: 'streaming' while it runs, then how it ended: 'complete', or as scripted
   * ('cut', 'ended', 'error'), or 'client-gone' when the connection closed first (the client left, or close()).
   */
  streamEnd?: 'streaming' | 'complete' | 'cut' | 'ended' | 'error' | 'client-gone';
  receivedAt: Date;
}

export interface GeminiEmulatorOptions {
  apiKey?: string;
  models?: string[];
  /**
   * The aspect ratios and sizes a model takes, for models beyond the two
   * Google documents (modelImageOptions.ts); a model without an entry takes
   * gemini-3-pro-image's range.
   */
  imageOptions?: Record<string, ImageOptionRange>;
  caseStyle?: CaseStyle;
  /** How long a stored interaction stays usable (default 24 hours); see `interactions.setRetention`. */
  interactionRetentionMs?: number;
  /**
   * Models that do not think (as gemini-2.5-flash-image): a generateContent request with
   * `thinkingConfig.includeThoughts` is refused with 400 "Thinking is not enabled for models/…".
   */
  withoutThinking?: string[];
}

export interface GeminiEmulator {
  /**
   * 'http://127.0.0.1:PORT/v1beta'; the bot POSTs `${url}/models/${model}:generateContent`
   * or `${url}/models/${model}:streamGenerateContent?alt=sse`.
   */
  url: string;
  apiKey: string;
  /** Every generateContent and streamGenerateContent call, in arrival order, including rejected ones. */
  requests: RecordedGeminiRequest[];
  /** Queue behaviours, one per valid request, FIFO; when empty the model answers { kind: 'image' }. */
  enqueue(...behaviours: Behaviour[]): void;
  setCaseStyle(style: CaseStyle): void;
  /** The serial and prompt embedded in a JPEG this emulator produced. */
  imageInfo(bytes: Uint8Array): ImageInfo | undefined;
  /** The Interactions API (`${url}/interactions`): its records, stored interactions and controls. */
  interactions: InteractionsEmulator;
  close(): Promise<void>;
}
