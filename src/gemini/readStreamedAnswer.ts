import { assembleStreamedAnswer } from './assembleStreamedAnswer.js';
import type { GeminiFailure } from './generationOutcome.js';
import { trackInterimImages, type InterimPreview } from './interimPreview.js';
import { readServerSentEvents, ServerSentEventTooLarge } from './readServerSentEvents.js';

/** Far above any answer Gemini sends in one event (a 4K PNG is about 30 MB as base64), far below what would hurt. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

export type StreamedAnswer = { ok: true; json: unknown } | { ok: false; failure: GeminiFailure };

/**
 * Reads a `streamGenerateContent?alt=sse` body to its end: each event's
 * JSON added to the answer (assembleStreamedAnswer), each interim image
 * handed to `onPreview` as it arrives. An error Gemini sends inside the
 * stream is a failure like the same error before it; a stream that ends
 * before Gemini said it was done is `cut`, so nothing of it is ever shown
 * as a result or stored. Reading stops at the chunk that finishes the
 * answer, so nothing after it can spoil it. Errors of the connection itself
 * before that are the caller's (thrown, as undici throws them).
 */
export async function readStreamedAnswer(
  body: AsyncIterable<Uint8Array>,
  /** The failure an event states (`{"error": {...}}`), if it is one. */
  readError: (chunk: unknown) => GeminiFailure | undefined,
  onPreview?: (preview: InterimPreview) => void,
): Promise<StreamedAnswer> {
  const answer = assembleStreamedAnswer();
  const interim = trackInterimImages();
  try {
    for await (const data of readServerSentEvents(body, MAX_EVENT_BYTES)) {
      let chunk: unknown;
      try {
        chunk = JSON.parse(data);
      } catch {
        return { ok: false, failure: { kind: 'malformed', message: 'Gemini streamed an event that is not JSON' } };
      }
      const failure = readError(chunk);
      if (failure) return { ok: false, failure };
      const parts = answer.add(chunk);
      const preview = onPreview && parts.length > 0 ? interim.add(parts) : undefined;
      if (preview) onPreview?.(preview);
      // Gemini's last chunk carries the finish: the answer is whole. Reading on would only let a connection
      // error or a timeout after it throw away (and bill again) an answer already complete.
      if (answer.finished()) break;
    }
  } catch (error) {
    if (error instanceof ServerSentEventTooLarge) return { ok: false, failure: { kind: 'malformed', message: error.message } };
    throw error;
  }
  if (!answer.finished()) return { ok: false, failure: { kind: 'cut', message: 'the stream ended before Gemini finished its answer' } };
  // null when a chunk had another shape: parseGenerateResponse says "unexpected shape", as for such an answer in one piece.
  return { ok: true, json: answer.response() };
}
