import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { readStreamedAnswer } from './readStreamedAnswer.js';
import { postToGemini } from './postToGemini.js';
import type { RequestBody } from './requestBody.js';

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

const errorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ '@type': z.string().nullish() })).nullish(),
  }),
});

/**
 * One POST to generateContent, or to streamGenerateContent (`stream`), whose
 * interim images go to `onPreview` as they arrive. The key travels only in
 * the x-goog-api-key header: a key in the URL ends up in proxies' and our
 * own logs.
 */
export async function callGenerateContent(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal?: AbortSignal,
  onPreview?: (preview: InterimPreview) => void,
): Promise<GeminiCallResult> {
  const started = performance.now();
  const result = await postGenerateContent(options, model, body, signal, onPreview);
  options.onCallFinished?.({ model, seconds: (performance.now() - started) / 1000, result });
  return result;
}

function postGenerateContent(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal: AbortSignal | undefined,
  onPreview: ((preview: InterimPreview) => void) | undefined,
): Promise<GeminiCallResult> {
  const method = options.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return postToGemini(options, `${options.apiUrl}/models/${encodeURIComponent(model)}:${method}`, body, signal, {
    readStream: (events) => readStreamedAnswer(events, readErrorEvent, onPreview),
    readFailure: readHttpFailure,
  });
}

/**
 * An event that is Gemini's error body rather than a chunk of the answer
 * (an error after the stream began, as @google/genai reads it): the failure
 * under the code it states, so the retry policy treats it like the same
 * error before the stream.
 */
function readErrorEvent(chunk: unknown): GeminiFailure | undefined {
  if (typeof chunk !== 'object' || chunk === null || !('error' in chunk)) return undefined;
  const code = errorBodySchema.safeParse(chunk).data?.error.code;
  return failureFromJson(code && code >= 400 && code < 600 ? code : 500, chunk);
}

function readHttpFailure(status: number, text: string): GeminiFailure {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'http', status, apiStatus: undefined, message: `HTTP ${status}` };
  }
  return failureFromJson(status, json);
}

/** Gemini's error body, under the HTTP status it came with. */
function failureFromJson(status: number, json: unknown): GeminiFailure {
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return { kind: 'http', status, apiStatus: undefined, message: `HTTP ${status}` };
  const { message, status: apiStatus, details } = parsed.data.error;
  return {
    kind: 'http',
    status,
    apiStatus: apiStatus ?? undefined,
    message: message ?? `HTTP ${status}`,
    retryDelayMs: readRetryDelay(details ?? []),
    quotaPeriod: readQuotaPeriod(details ?? []),
  };
}

/** google.rpc.RetryInfo carries a protobuf Duration such as "57.2s". */
export function readRetryDelay(details: Array<Record<string, unknown>>): number | undefined {
  for (const detail of details) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(String(detail['retryDelay'] ?? ''));
    if (match) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

/** google.rpc.QuotaFailure names the quota; a per-day one will not clear by retrying soon. */
export function readQuotaPeriod(details: Array<Record<string, unknown>>): 'day' | 'minute' | undefined {
  for (const detail of details) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.QuotaFailure')) continue;
    const text = JSON.stringify(detail['violations'] ?? []);
    if (/PerDay|per_day|per day/i.test(text)) return 'day';
    if (/PerMinute|per_minute|per minute/i.test(text)) return 'minute';
  }
  return undefined;
}
