import type { GeminiPart } from './geminiTypes.js';
import type { GeminiFailure } from './generationOutcome.js';
import { trackInterimImages, type InterimPreview } from './interimPreview.js';
import { parseJsonInPieces } from './parseJsonInPieces.js';
import { readServerSentEvents, ServerSentEventTooLarge } from './readServerSentEvents.js';

/** Far above any answer Gemini sends in one event (a 4K PNG is about 30 MB as base64), far below what would hurt. */
const MAX_EVENT_BYTES = 64 * 1024 * 1024;

export type StreamedAnswer = { ok: true; json: unknown } | { ok: false; failure: GeminiFailure };

/** How one API's events build its answer (assembleStreamedAnswer, assembleInteractionStream). */
export interface EventAssembly {
  /** Adds one event's JSON: the thought parts it brought (for the sketches), or the failure it states or is. */
  add(event: unknown): { parts: GeminiPart[] } | { failure: GeminiFailure };
  /** Whether the answer is whole: the event that finishes it came. */
  finished(): boolean;
  /** The answer as the same call unstreamed would have returned it. */
  result(): unknown;
}

/**
 * Reads a server-sent-events body, each event's JSON added to the answer
 * and each interim image handed to `onPreview` as it arrives, up to the
 * event that finishes the answer: reading on would only let a connection
 * error, a stall or the timeout after it throw away (and bill again) an
 * answer already whole. An error Gemini sends inside the stream is a failure
 * like the same error before it; a stream that ends before the answer is
 * whole is `cut`, so nothing of it is ever shown or stored. Errors of the
 * connection itself before that are the caller's (thrown, as undici throws
 * them). Shared by both APIs, so neither can forget one of these rules.
 */
export async function readEventStream(body: AsyncIterable<Uint8Array>, answer: EventAssembly, onPreview?: (preview: InterimPreview) => void): Promise<StreamedAnswer> {
  const interim = trackInterimImages();
  try {
    // Each event's JSON parsed as its bytes arrive, an image's base64 kept out of the text JSON.parse reads.
    for await (const parsed of readServerSentEvents(body, MAX_EVENT_BYTES, () => parseJsonInPieces())) {
      if (!parsed.ok) {
        // The Interactions API ends with [DONE] after interaction.completed (which already ended the reading).
        if (parsed.text === '[DONE]') break;
        return { ok: false, failure: { kind: 'malformed', message: 'Gemini streamed an event that is not JSON' } };
      }
      const added = answer.add(parsed.value);
      if ('failure' in added) return { ok: false, failure: added.failure };
      const preview = onPreview && added.parts.length > 0 ? interim.add(added.parts) : undefined;
      if (preview) onPreview?.(preview);
      if (answer.finished()) break;
    }
  } catch (error) {
    if (error instanceof ServerSentEventTooLarge) return { ok: false, failure: { kind: 'malformed', message: error.message } };
    throw error;
  }
  if (!answer.finished()) return { ok: false, failure: { kind: 'cut', message: 'the stream ended before Gemini finished its answer' } };
  return { ok: true, json: answer.result() };
}
