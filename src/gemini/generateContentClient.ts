import { z } from 'zod';
import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { readStreamedAnswer } from './readStreamedAnswer.js';
import { postToGemini } from './postToGemini.js';
import type { RequestBody } from './requestBody.js';
import { readQuotaPeriod, readRetryDelay, timedCall, type GeminiCallResult, type GeminiClientOptions } from './geminiCall.js';

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
export function callGenerateContent(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal?: AbortSignal,
  onPreview?: (preview: InterimPreview) => void,
): Promise<GeminiCallResult> {
  return timedCall(options, model, () => postGenerateContent(options, model, body, signal, onPreview));
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
