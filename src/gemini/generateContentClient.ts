import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { readStreamedAnswer } from './readStreamedAnswer.js';
import { postToGemini } from './postToGemini.js';
import type { RequestBody } from './requestBody.js';
import { timedCall, type GeminiCallResult, type GeminiClientOptions } from './geminiCall.js';
import { readHttpFailure, readStreamedError } from './readGeminiError.js';

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
 * (an error after the stream began, as @google/genai reads it), read as the
 * Interactions API's in-stream error is (readStreamedError).
 */
function readErrorEvent(chunk: unknown): GeminiFailure | undefined {
  if (typeof chunk !== 'object' || chunk === null || !('error' in chunk)) return undefined;
  return readStreamedError(chunk);
}
