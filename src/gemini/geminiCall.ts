import type { Dispatcher } from 'undici';
import type { GeminiFailure } from './generationOutcome.js';

// What both Gemini APIs' clients share (generateContentClient.ts, interactionsClient.ts): the options of a call and
// its result. The POST itself is postToGemini.ts; an error body, of either API, is read by readGeminiError.ts.

export interface GeminiClientOptions {
  apiUrl: string;
  apiKey: string;
  /** Gemini image calls take 10 to 60 s; past this we give up. */
  timeoutMs: number;
  /**
   * Ask for the answer as a stream (`streamGenerateContent?alt=sse`), which
   * shows Gemini's interim images as they come; false asks `generateContent`
   * for the answer in one piece (the bench compares the two).
   */
  stream: boolean;
  /** A stream silent this long after its first chunk is given up (a timeout), well before the call's own deadline. */
  stallMs: number;
  dispatcher?: Dispatcher | undefined;
  /** Hears every call when it ends, retries included one by one (the latency metric). */
  onCallFinished?: ((call: { model: string; seconds: number; result: GeminiCallResult }) => void) | undefined;
}

export type GeminiCallResult =
  | { ok: true; json: unknown }
  /** `interactionId`: an interaction Google had begun (and stores) before the call failed, so it can be deleted. */
  | { ok: false; failure: GeminiFailure; interactionId?: string | undefined };

/** One call to either API, timed, and reported to `onCallFinished` (the latency metric) however it ended. */
export async function timedCall(options: GeminiClientOptions, model: string, call: () => Promise<GeminiCallResult>): Promise<GeminiCallResult> {
  const started = performance.now();
  const result = await call();
  options.onCallFinished?.({ model, seconds: (performance.now() - started) / 1000, result });
  return result;
}
