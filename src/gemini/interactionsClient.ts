import { Readable } from 'node:stream';
import { request } from 'undici';
import { z } from 'zod';
import { assembleInteractionStream } from './assembleInteractionStream.js';
import { readQuotaPeriod, readRetryDelay, abortWhenSilent, type GeminiCallResult, type GeminiClientOptions } from './geminiClient.js';
import type { GeminiFailure } from './generationOutcome.js';
import { trackInterimImages, type InterimPreview } from './interimPreview.js';
import { readServerSentEvents, ServerSentEventTooLarge } from './readServerSentEvents.js';
import { RequestBodyError, type RequestBody } from './requestBody.js';

/** As readStreamedAnswer: far above one event's image, far below what would hurt. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

/** The Interactions API's error body: `code` is a string here (FACTS), a number on generateContent. */
const errorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.union([z.string(), z.number()]).nullish(),
    message: z.string().nullish(),
    details: z.array(z.looseObject({ '@type': z.string().nullish() })).nullish(),
  }),
});

/** google.rpc code names, for an error that arrives inside a stream (no HTTP status of its own). */
const STATUS_OF_CODE: Record<string, number> = {
  invalid_argument: 400,
  failed_precondition: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  aborted: 409,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503,
  deadline_exceeded: 504,
};

/**
 * One `POST {base}/interactions` (snake_case JSON, the key in the
 * x-goog-api-key header only). Streamed (`stream: true` in the body), the
 * answer's events are read one at a time, each sketch handed to `onPreview`,
 * and the interaction rebuilt as a non-streamed POST returns it. The body
 * streams from the blob store as generateContent's does.
 */
export async function createInteraction(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal?: AbortSignal,
  onPreview?: (preview: InterimPreview) => void,
): Promise<GeminiCallResult> {
  const started = performance.now();
  const result = await postInteraction(options, body, signal, onPreview);
  options.onCallFinished?.({ model, seconds: (performance.now() - started) / 1000, result });
  return result;
}

async function postInteraction(
  options: GeminiClientOptions,
  body: RequestBody,
  signal: AbortSignal | undefined,
  onPreview: ((preview: InterimPreview) => void) | undefined,
): Promise<GeminiCallResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const stall = new AbortController();
  let streaming = false;
  try {
    const response = await request(`${options.apiUrl}/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.contentLength), 'x-goog-api-key': options.apiKey },
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
      return await readInteractionStream(abortWhenSilent(response.body, options.stallMs, () => stall.abort()), onPreview);
    }
    const text = await response.body.text();
    if (!succeeded) return { ok: false, failure: readInteractionFailure(response.statusCode, text) };
    try {
      return { ok: true, json: JSON.parse(text) };
    } catch {
      return { ok: false, failure: { kind: 'malformed', message: 'Gemini answered with invalid JSON' } };
    }
  } catch (error) {
    if (signal?.aborted) return { ok: false, failure: { kind: 'interrupted' } };
    if (error instanceof RequestBodyError) return { ok: false, failure: { kind: 'unsendable', message: error.message, ...(error.storeFailed ? { storeFailed: true } : {}) } };
    if (timeout.aborted || stall.signal.aborted) return { ok: false, failure: { kind: 'timeout' } };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, failure: streaming ? { kind: 'cut', message } : { kind: 'network', message } };
  }
}

async function readInteractionStream(body: AsyncIterable<Uint8Array>, onPreview: ((preview: InterimPreview) => void) | undefined): Promise<GeminiCallResult> {
  const answer = assembleInteractionStream();
  const interim = trackInterimImages();
  try {
    for await (const data of readServerSentEvents(body, MAX_EVENT_BYTES)) {
      if (data === '[DONE]') break;
      let event: unknown;
      try {
        event = JSON.parse(data);
      } catch {
        return { ok: false, failure: { kind: 'malformed', message: 'Gemini streamed an event that is not JSON' } };
      }
      const added = answer.add(event);
      if ('invalid' in added) return { ok: false, failure: { kind: 'malformed', message: 'Gemini streamed an event of an unexpected shape' } };
      if ('error' in added) return { ok: false, failure: readStreamError(added.error) };
      const preview = onPreview && added.parts.length > 0 ? interim.add(added.parts) : undefined;
      if (preview) onPreview?.(preview);
      // interaction.completed makes the answer whole (and billed): reading on to [DONE] would only let a
      // connection error or a timeout after it throw the answer away and have it made (and billed) again.
      if (answer.finished()) break;
    }
  } catch (error) {
    if (error instanceof ServerSentEventTooLarge) return { ok: false, failure: { kind: 'malformed', message: error.message } };
    throw error;
  }
  if (!answer.finished()) return { ok: false, failure: { kind: 'cut', message: 'the stream ended before Gemini finished the interaction' } };
  return { ok: true, json: answer.interaction() };
}

/** An HTTP error, its body read as the Interactions API writes it. */
export function readInteractionFailure(status: number, text: string): GeminiFailure {
  try {
    return failureFromError(status, JSON.parse(text));
  } catch {
    return { kind: 'http', status, apiStatus: undefined, message: `HTTP ${status}` };
  }
}

/**
 * An `error` event inside a 200 stream, which has no HTTP status of its own:
 * the status its code names. An unknown code keeps 500 for the member's
 * message, marked guessed so it is never retried (it may be a quota or an
 * invalid argument, which another try would only repeat and maybe bill).
 */
export function readStreamError(error: Record<string, unknown>): GeminiFailure {
  return failureFromError(undefined, { error });
}

/** The failure under its HTTP status, or (inside a stream) the status its code names; apiStatus as generateContent spells it. */
function failureFromError(status: number | undefined, json: unknown): GeminiFailure {
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return { kind: 'http', status: status ?? 500, apiStatus: undefined, message: `HTTP ${status ?? 500}`, ...(status ? {} : { statusGuessed: true }) };
  const { code, message, details } = parsed.data.error;
  const name = typeof code === 'string' ? codeName(code) : undefined;
  const named = typeof code === 'number' && code >= 400 && code < 600 ? code : STATUS_OF_CODE[name ?? ''];
  const httpStatus = status ?? named ?? 500;
  return {
    kind: 'http',
    status: httpStatus,
    apiStatus: name?.toUpperCase(),
    message: message ?? `HTTP ${httpStatus}`,
    retryDelayMs: readRetryDelay(details ?? []),
    quotaPeriod: readQuotaPeriod(details ?? []),
    ...(status === undefined && named === undefined ? { statusGuessed: true as const } : {}),
  };
}

/**
 * The code's name: the SDK documents ErrorT.code as "a URI that identifies
 * the error type", so its last path segment ('…/errors/resource_exhausted');
 * a bare name ('RESOURCE_EXHAUSTED', 'not_found') is its own last segment.
 */
function codeName(code: string): string {
  const path = code.split(/[?#]/)[0] ?? '';
  return (path.split('/').filter(Boolean).at(-1) ?? '').toLowerCase();
}

/** `DELETE {base}/interactions/{id}`: true when Google removed it (or no longer had it). Never rejects. */
export async function deleteInteraction(options: Pick<GeminiClientOptions, 'apiUrl' | 'apiKey' | 'timeoutMs' | 'dispatcher'>, id: string): Promise<{ ok: true } | { ok: false; problem: string }> {
  try {
    const response = await request(`${options.apiUrl}/interactions/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { 'x-goog-api-key': options.apiKey },
      signal: AbortSignal.timeout(options.timeoutMs),
      dispatcher: options.dispatcher,
    });
    await response.body.dump();
    if ((response.statusCode >= 200 && response.statusCode < 300) || response.statusCode === 404) return { ok: true };
    return { ok: false, problem: `HTTP ${response.statusCode}` };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}
