import type { GeminiPart } from './geminiTypes.js';
import { isRecord } from './isRecord.js';

/**
 * A streamed answer put back together, chunk by chunk, the way Google's own
 * SDK records a streamed chat turn (@google/genai chats.ts: each chunk's
 * `candidates[0].content` is kept as it came, and the history replays them
 * in order), flattened into ONE model content: every chunk's parts
 * concatenated in arrival order, each part exactly as received. Unlike the
 * SDK we keep a part whose text is empty: Gemini can put a thought
 * signature on it, and a replay without it is refused.
 *
 * The rest takes the last value seen (a finish reason, grounding sources
 * and token counts come on late chunks; a prompt block can be the only
 * chunk), content-level fields the first. The result is a
 * GenerateContentResponse that parseGenerateResponse classifies exactly as
 * it classifies an answer that was not streamed.
 */
export interface AnswerAssembly {
  /** Adds one chunk (one event's JSON); returns the parts it brought, for the interim previews. */
  add(chunk: unknown): GeminiPart[];
  /** Whether Gemini said it was done: a finish reason, a prompt block, or no candidate at all. A stream that ends without is cut. */
  finished(): boolean;
  /** The answer so far as one GenerateContentResponse; null when a chunk was not one (the parse calls that malformed). */
  response(): Record<string, unknown> | null;
}

export function assembleStreamedAnswer(): AnswerAssembly {
  const response: Record<string, unknown> = {};
  let candidate: Record<string, unknown> | undefined;
  let content: Record<string, unknown> | undefined;
  const parts: unknown[] = [];
  let malformed = false;
  /** Gemini sent `candidates: []`: it has no answer to give, and nothing more comes. */
  let noCandidates = false;

  const addCandidate = (value: unknown): GeminiPart[] => {
    if (!isRecord(value)) {
      malformed = true;
      return [];
    }
    const { content: chunkContent, ...fields } = value;
    candidate = { ...candidate, ...fields };
    if (chunkContent === undefined || chunkContent === null) return [];
    if (!isRecord(chunkContent) || !(chunkContent['parts'] === undefined || chunkContent['parts'] === null || Array.isArray(chunkContent['parts']))) {
      malformed = true;
      return [];
    }
    const { parts: chunkParts, ...contentFields } = chunkContent;
    content ??= contentFields;
    const added = (chunkParts as unknown[] | undefined | null) ?? [];
    parts.push(...added);
    // A part that is no object makes the whole answer malformed in the parse; it is no preview either.
    return added.filter(isRecord);
  };

  return {
    add(chunk) {
      if (!isRecord(chunk)) {
        malformed = true;
        return [];
      }
      const { candidates, ...fields } = chunk;
      Object.assign(response, fields);
      if (candidates === undefined || candidates === null) return [];
      if (!Array.isArray(candidates)) {
        malformed = true;
        return [];
      }
      if (candidates.length === 0 && !candidate) noCandidates = true;
      return candidates.length > 0 ? addCandidate(candidates[0]) : [];
    },
    finished() {
      const finishReason = candidate?.['finishReason'] ?? candidate?.['finish_reason'];
      const feedback = response['promptFeedback'] ?? response['prompt_feedback'];
      const blockReason = isRecord(feedback) ? (feedback['blockReason'] ?? feedback['block_reason']) : undefined;
      return Boolean(finishReason) || Boolean(blockReason) || (noCandidates && !candidate);
    },
    response() {
      if (malformed) return null;
      if (!candidate) return { ...response };
      const assembled = content || parts.length > 0 ? { ...candidate, content: { ...content, parts } } : { ...candidate };
      return { ...response, candidates: [assembled] };
    },
  };
}
