import { request } from 'undici';
import { z } from 'zod';
import { assembleInteractionStream, type InteractionStreamAssembly } from './assembleInteractionStream.js';
import { readQuotaPeriod, readRetryDelay, timedCall, type GeminiCallResult, type GeminiClientOptions } from './geminiCall.js';
import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { postToGemini } from './postToGemini.js';
import { readEventStream } from './readEventStream.js';
import type { RequestBody } from './requestBody.js';

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
export function createInteraction(
  options: GeminiClientOptions,
  model: string,
  body: RequestBody,
  signal?: AbortSignal,
  onPreview?: (preview: InterimPreview) => void,
): Promise<GeminiCallResult> {
  return timedCall(options, model, () => postInteraction(options, body, signal, onPreview));
}

async function postInteraction(
  options: GeminiClientOptions,
  body: RequestBody,
  signal: AbortSignal | undefined,
  onPreview: ((preview: InterimPreview) => void) | undefined,
): Promise<GeminiCallResult> {
  const answer = assembleInteractionStream();
  const result = await postToGemini(options, `${options.apiUrl}/interactions`, body, signal, {
    readStream: (events) => readInteractionStream(answer, events, onPreview),
    readFailure: readInteractionFailure,
  });
  const begun = answer.id();
  return !result.ok && begun ? { ...result, interactionId: begun } : result;
}

/** The events of a streamed interaction (readEventStream's rules), read up to interaction.completed. */
function readInteractionStream(
  answer: InteractionStreamAssembly,
  body: AsyncIterable<Uint8Array>,
  onPreview: ((preview: InterimPreview) => void) | undefined,
): Promise<GeminiCallResult> {
  return readEventStream(
    body,
    {
      add(event) {
        const added = answer.add(event);
        if ('invalid' in added) return { failure: { kind: 'malformed', message: 'Gemini streamed an event of an unexpected shape' } };
        if ('error' in added) return { failure: readStreamError(added.error) };
        return added;
      },
      finished: () => answer.finished(),
      result: () => answer.interaction(),
    },
    onPreview,
  );
}

/** An HTTP error, its body read as the Interactions API writes it. */
function readInteractionFailure(status: number, text: string): GeminiFailure {
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
function readStreamError(error: Record<string, unknown>): GeminiFailure {
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

/**
 * A deletion is a small request: it does not get GEMINI_TIMEOUT's minutes, sized for a render, because a refused or
 * unsaved turn's deletion runs inside its thread's line and would hold the thread's next turn that long.
 */
const DELETE_TIMEOUT_MS = 15_000;

/** `DELETE {base}/interactions/{id}`: true when Google removed it (or no longer had it). Never rejects. */
export async function deleteInteraction(options: Pick<GeminiClientOptions, 'apiUrl' | 'apiKey' | 'timeoutMs' | 'dispatcher'>, id: string): Promise<{ ok: true } | { ok: false; problem: string }> {
  try {
    const response = await request(`${options.apiUrl}/interactions/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { 'x-goog-api-key': options.apiKey },
      signal: AbortSignal.timeout(Math.min(options.timeoutMs, DELETE_TIMEOUT_MS)),
      dispatcher: options.dispatcher,
    });
    await response.body.dump();
    if ((response.statusCode >= 200 && response.statusCode < 300) || response.statusCode === 404) return { ok: true };
    return { ok: false, problem: `HTTP ${response.statusCode}` };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}
