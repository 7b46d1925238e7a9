import { request } from 'undici';
import { assembleInteractionStream, type InteractionStreamAssembly } from './assembleInteractionStream.js';
import { timedCall, type GeminiCallResult, type GeminiClientOptions } from './geminiCall.js';
import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { postToGemini } from './postToGemini.js';
import { readEventStream } from './readEventStream.js';
import { readHttpFailure, readRetryAfter, readStreamedError } from './readGeminiError.js';
import type { RequestBody } from './requestBody.js';

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
    readFailure: readHttpFailure,
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
        if ('error' in added) return { failure: readStreamedError({ error: added.error }) };
        return added;
      },
      finished: () => answer.finished(),
      result: () => answer.interaction(),
    },
    onPreview,
  );
}

/**
 * A deletion is a small request: it does not get GEMINI_TIMEOUT's minutes, sized for a render, because a refused or
 * unsaved turn's deletion runs inside its thread's line and would hold the thread's next turn that long.
 */
const DELETE_TIMEOUT_MS = 15_000;

/** How one DELETE ended: Google confirmed the interaction gone, or the failure the retry policy reads. */
export type DeleteAnswer = { ok: true } | { ok: false; failure: GeminiFailure };

/**
 * `DELETE {base}/interactions/{id}`: ok when Google removed it (or no longer had it). Never rejects. `cut` ends the
 * wait for the answer early (a stopping process), reported as interrupted. A 429's delay is RetryInfo's, else the
 * Retry-After header's (Google's front ends send either).
 */
export async function deleteInteraction(
  options: Pick<GeminiClientOptions, 'apiUrl' | 'apiKey' | 'timeoutMs' | 'dispatcher'>,
  id: string,
  cut?: AbortSignal,
): Promise<DeleteAnswer> {
  const timeout = AbortSignal.timeout(Math.min(options.timeoutMs, DELETE_TIMEOUT_MS));
  try {
    const response = await request(`${options.apiUrl}/interactions/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { 'x-goog-api-key': options.apiKey },
      signal: cut ? AbortSignal.any([timeout, cut]) : timeout,
      dispatcher: options.dispatcher,
    });
    const text = await response.body.text();
    if ((response.statusCode >= 200 && response.statusCode < 300) || response.statusCode === 404) return { ok: true };
    const failure = readHttpFailure(response.statusCode, text);
    if (failure.kind === 'http' && failure.retryDelayMs === undefined) failure.retryDelayMs = readRetryAfter(response.headers['retry-after']);
    return { ok: false, failure };
  } catch (error) {
    if (cut?.aborted) return { ok: false, failure: { kind: 'interrupted' } };
    if (timeout.aborted) return { ok: false, failure: { kind: 'timeout' } };
    return { ok: false, failure: { kind: 'network', message: error instanceof Error ? error.message : String(error) } };
  }
}
