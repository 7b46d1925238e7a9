import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { readStreamedAnswer } from './readStreamedAnswer.js';
import { RequestBodyError, type RequestBody } from './requestBody.js';

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

async function postGenerateContent(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal: AbortSignal | undefined,
  onPreview: ((preview: InterimPreview) => void) | undefined,
): Promise<GeminiCallResult> {
  const method = options.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const url = `${options.apiUrl}/models/${encodeURIComponent(model)}:${method}`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const stall = new AbortController();
  let streaming = false;
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.contentLength), 'x-goog-api-key': options.apiKey },
      // Streamed: a long thread's history is never one string in memory (streamedRequestBody.ts).
      body: Readable.from(body.chunks(), { objectMode: false }),
      signal: AbortSignal.any([timeout, stall.signal, ...(signal ? [signal] : [])]),
      dispatcher: options.dispatcher,
    });
    const succeeded = response.statusCode >= 200 && response.statusCode < 300;
    if (succeeded && options.stream) {
      if (!String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        await response.body.dump();
        return { ok: false, failure: { kind: 'malformed', message: 'Gemini answered with something other than an event stream' } };
      }
      streaming = true;
      const watched = abortWhenSilent(response.body, options.stallMs, () => stall.abort());
      return await readStreamedAnswer(watched, readErrorEvent, onPreview);
    }
    const text = await response.body.text();
    if (succeeded) {
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
    if (timeout.aborted || stall.signal.aborted) return { ok: false, failure: { kind: 'timeout' } };
    const message = error instanceof Error ? error.message : String(error);
    // The connection dropped after the answer began: nothing of it is used, and the call can be made again.
    return { ok: false, failure: streaming ? { kind: 'cut', message } : { kind: 'network', message } };
  }
}

/**
 * The body as it comes, given up (`abort`) once silent for `stallMs`. The
 * clock starts at the first chunk, not at the headers: asked without its
 * drafts, Gemini may send nothing until a long render (a 4K image, over a
 * minute) is done, and only the call's own deadline bounds that wait.
 */
export async function* abortWhenSilent(body: AsyncIterable<Uint8Array>, stallMs: number, abort: () => void): AsyncGenerator<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  try {
    for await (const chunk of body) {
      if (timer) timer.refresh();
      else timer = setTimeout(abort, stallMs);
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
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
