// The emulator's public types: what a test can script and what it can inspect.

import type { IncomingHttpHeaders } from 'node:http';
import type { ImageDamage } from './damageImage.js';
import type { ImageInfo } from './jpeg.js';

export type { ImageDamage } from './damageImage.js';

export type CaseStyle = 'camel' | 'snake';

/** What the "model" does with the next valid generateContent request. */
export type Behaviour =
  | {
      kind: 'image';
      text?: string;
      images?: number;
      /** Pad each JPEG to about this many bytes. */
      imageBytes?: number;
      /** 0..2 interim thought images before the final one (Gemini 3 Pro Image does this). */
      thoughtImages?: number;
      /** Breaks the final images, in order ('intact' or a missing entry leaves one whole). */
      damage?: Array<ImageDamage | 'intact'>;
      /** Breaks every interim thought image. */
      thoughtDamage?: ImageDamage;
    }
  /** STOP with text and no image; drafts (interim thought images) may come first, whole or broken. */
  | { kind: 'text-only'; text: string; thoughtImages?: number; thoughtDamage?: ImageDamage }
  /** promptFeedback.blockReason and no candidates. */
  | { kind: 'prompt-blocked'; reason: string }
  /** One candidate with this finishReason and no image (IMAGE_SAFETY, NO_IMAGE, ...). */
  | { kind: 'finish'; reason: string; text?: string }
  | { kind: 'no-candidates' }
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
  model: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  /** The HTTP status sent; 0 while unanswered or when the socket was reset. */
  status: number;
  /** The JSON body sent back (answer or error), exactly as sent; undefined while unanswered or after a reset. */
  response?: unknown;
  receivedAt: Date;
}

export interface GeminiEmulatorOptions {
  apiKey?: string;
  models?: string[];
  caseStyle?: CaseStyle;
}

export interface GeminiEmulator {
  /** 'http://127.0.0.1:PORT/v1beta'; the bot POSTs `${url}/models/${model}:generateContent`. */
  url: string;
  apiKey: string;
  /** Every generateContent call, in arrival order, including rejected ones. */
  requests: RecordedGeminiRequest[];
  /** Queue behaviours, one per valid request, FIFO; when empty the model answers { kind: 'image' }. */
  enqueue(...behaviours: Behaviour[]): void;
  setCaseStyle(style: CaseStyle): void;
  /** The serial and prompt embedded in a JPEG this emulator produced. */
  imageInfo(bytes: Uint8Array): ImageInfo | undefined;
  close(): Promise<void>;
}
