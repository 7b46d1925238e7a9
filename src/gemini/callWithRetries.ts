import { setTimeout as sleep } from 'node:timers/promises';
import { callGenerateContent } from './generateContentClient.js';
import type { GeminiCallResult, GeminiClientOptions } from './geminiCall.js';
import type { RequestBody } from './requestBody.js';
import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { decideRetry } from './retryPolicy.js';

export interface RetryOptions {
  baseDelayMs: number;
  /** Aborts the call and any wait between tries (shutdown). */
  signal?: AbortSignal | undefined;
  /** Lets the user know why they are waiting ("Gemini is busy, retrying in 12 s"). */
  onRetry?: ((notice: { delayMs: number; failure: GeminiFailure; attempt: number }) => void) | undefined;
  /** Hears each interim image of a streamed call as it arrives (each try counts its sketches from 1). */
  onPreview?: ((preview: InterimPreview) => void) | undefined;
}

export interface RetriedCall {
  result: GeminiCallResult;
  retries: number;
}

/** generateContent (streamed or not) with the retry policy applied; returns the last result and how many retries it took. */
export async function callWithRetries(
  client: GeminiClientOptions,
  model: string,
  body: RequestBody,
  options: RetryOptions,
): Promise<RetriedCall> {
  return withRetries(() => callGenerateContent(client, model, body, options.signal, options.onPreview), options);
}

/** Any Gemini call (generateContent, an interaction) made again as the retry policy says. */
export async function withRetries(call: () => Promise<GeminiCallResult>, options: RetryOptions): Promise<RetriedCall> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await call();
    if (result.ok) return { result, retries: attempt - 1 };
    const decision = decideRetry(result.failure, attempt, options.baseDelayMs);
    if (!decision.retry) return { result, retries: attempt - 1 };
    options.onRetry?.({ delayMs: decision.delayMs, failure: result.failure, attempt });
    try {
      await sleep(decision.delayMs, undefined, { signal: options.signal });
    } catch {
      return { result: { ok: false, failure: { kind: 'interrupted' } }, retries: attempt - 1 };
    }
  }
}
