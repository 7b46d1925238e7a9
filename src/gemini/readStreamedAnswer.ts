import { assembleStreamedAnswer } from './assembleStreamedAnswer.js';
import type { GeminiFailure } from './generationOutcome.js';
import type { InterimPreview } from './interimPreview.js';
import { readEventStream, type StreamedAnswer } from './readEventStream.js';


/**
 * Reads a `streamGenerateContent?alt=sse` body (readEventStream's rules):
 * each chunk added to the answer (assembleStreamedAnswer), up to the chunk
 * that carries the finish.
 */
export function readStreamedAnswer(
  body: AsyncIterable<Uint8Array>,
  /** The failure an event states (`{"error": {...}}`), if it is one. */
  readError: (chunk: unknown) => GeminiFailure | undefined,
  onPreview?: (preview: InterimPreview) => void,
): Promise<StreamedAnswer> {
  const answer = assembleStreamedAnswer();
  return readEventStream(
    body,
    {
      add(chunk) {
        const failure = readError(chunk);
        return failure ? { failure } : { parts: answer.add(chunk) };
      },
      finished: () => answer.finished(),
      // null when a chunk had another shape: parseGenerateResponse says "unexpected shape", as for such an answer in one piece.
      result: () => answer.response(),
    },
    onPreview,
  );
}
