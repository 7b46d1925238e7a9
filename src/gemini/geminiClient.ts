import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { GeminiFailure } from './generationOutcome.js';
import { RequestBodyError, type RequestBody } from './requestBody.js';

export interface GeminiClientOptions {
  apiUrl: string;
  apiKey: string;
  /** Gemini image calls take 10 to 60 s; past this we give up. */
  timeoutMs: number;
  dispatcher?: Dispatcher | undefined;
  /** Hears every call when it ends, retries included one by one (the latency metric). */
  onCallFinished?: ((call: { model: string; seconds: number; result: GeminiCallResult }) => void) | undefined;
}

export type GeminiCallResult = { ok: true; json: unknown } | { ok: false; failure: GeminiFailure };

const errorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ '@type': z.string().nullish() })).nullish(),
  }),
});

/**
 * One POST to generateContent. The key travels only in the x-goog-api-key
 * header: a key in the URL ends up in proxies' and our own logs.
 */
export async function callGenerateContent(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal?: AbortSignal,
): Promise<GeminiCallResult> {
  const started = performance.now();
  const result = await postGenerateContent(options, model, body, signal);
  options.onCallFinished?.({ model, seconds: (performance.now() - started) / 1000, result });
  return result;
}

async function postGenerateContent(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal: AbortSignal | undefined,
): Promise<GeminiCallResult> {
  const url = `${options.apiUrl}/models/${encodeURIComponent(model)}:generateContent`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.contentLength), 'x-goog-api-key': options.apiKey },
      // Streamed: a long thread's history is never one string in memory (streamedRequestBody.ts).
      body: Readable.from(body.chunks(), { objectMode: false }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      dispatcher: options.dispatcher,
    });
    const text = await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) {
      try {
        return { ok: true, json: JSON.parse(text) };
      } catch {
        return { ok: false, failure: { kind: 'malformed', message: 'Gemini answered with invalid JSON' } };
      }
    }
    return { ok: false, failure: readHttpFailure(response.statusCode, text) };
  } catch (error) {
    if (signal?.aborted) return { ok: false, failure: { kind: 'interrupted' } };
    // undici passes the body stream's own error through.
    if (error instanceof RequestBodyError) return { ok: false, failure: { kind: 'unsendable', message: error.message, ...(error.storeFailed ? { storeFailed: true } : {}) } };
    if (timeout.aborted) return { ok: false, failure: { kind: 'timeout' } };
    return { ok: false, failure: { kind: 'network', message: error instanceof Error ? error.message : String(error) } };
  }
}

function readHttpFailure(status: number, text: string): GeminiFailure {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'http', status, apiStatus: undefined, message: `HTTP ${status}` };
  }
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
function readRetryDelay(details: Array<Record<string, unknown>>): number | undefined {
  for (const detail of details) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(String(detail['retryDelay'] ?? ''));
    if (match) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

/** google.rpc.QuotaFailure names the quota; a per-day one will not clear by retrying soon. */
function readQuotaPeriod(details: Array<Record<string, unknown>>): 'day' | 'minute' | undefined {
  for (const detail of details) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.QuotaFailure')) continue;
    const text = JSON.stringify(detail['violations'] ?? []);
    if (/PerDay|per_day|per day/i.test(text)) return 'day';
    if (/PerMinute|per_minute|per minute/i.test(text)) return 'minute';
  }
  return undefined;
}
