import type { GeminiPart } from './geminiTypes.js';
import type { GeneratedImage } from './generationOutcome.js';
import { readInlineData } from './inlineData.js';

/**
 * What Gemini has shown of its work so far in one streamed call: its
 * latest interim image ("thought" image: Gemini 3 Pro Image drafts up to two
 * before the final one), numbered from 1, and the latest line of its thought
 * text. Only for the member to watch: never stored apart from the answer's
 * content, never a result.
 */
export interface InterimPreview {
  sketch: { number: number; image: GeneratedImage };
  /** One line from the thought text that came with or before it, when there was any. */
  thought: string | undefined;
}

/** Thought summaries open with a bold heading ("**Planning the composition**"); a status line is short. */
const MAX_THOUGHT_LENGTH = 120;

export interface InterimTracker {
  /** Reads one chunk's parts; returns the new preview when they brought an interim image. */
  add(parts: GeminiPart[]): InterimPreview | undefined;
}

/** Follows one call's parts as they stream; a retried call starts a new tracker (its sketches count from 1 again). */
export function trackInterimImages(): InterimTracker {
  let sketches = 0;
  let thought: string | undefined;
  // A summary streams as a heading, then its body, in pieces cut anywhere (a heading too): the status line is read
  // from the thought text joined since the last sketch, never from one piece. Once there is a heading, only a new
  // heading replaces it (the text after a sketch is usually the rest of the same summary).
  let headed = false;
  let text = '';
  const readThought = () => {
    const heading = lastHeadingOf(text);
    if (heading) [thought, headed] = [statusLine(`**${heading}**`), true];
    else if (!headed) thought = statusLine(text) ?? thought;
    text = '';
  };
  return {
    add(parts) {
      let latest: GeneratedImage | undefined;
      for (const part of parts) {
        if (part['thought'] !== true) continue;
        const inline = readInlineData(part);
        if (inline && inline.data && inline.mimeType?.startsWith('image/')) {
          readThought();
          sketches += 1;
          latest = { mimeType: inline.mimeType, base64: inline.data };
        } else if (typeof part['text'] === 'string') {
          text += part['text'];
        }
      }
      return latest ? { sketch: { number: sketches, image: latest }, thought } : undefined;
    },
  };
}

/** The last complete bold heading in a thought text ("**Planning the composition**"). */
function lastHeadingOf(text: string): string | undefined {
  return [...text.matchAll(/\*\*([^*\n]+)\*\*/g)].at(-1)?.[1];
}

/** A thought summary's bold heading ("**Planning the composition**"). */
function headingOf(text: string): string | undefined {
  return /\*\*([^*\n]+)\*\*/.exec(text)?.[1];
}

/** The heading of a thought summary, else its first line, without markdown emphasis, cut to one short line. */
function statusLine(text: string): string | undefined {
  const line = (headingOf(text) ?? text.split('\n').find((candidate) => candidate.trim() !== '') ?? '').replace(/[*_`#>]/g, '').replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  return line.length > MAX_THOUGHT_LENGTH ? `${line.slice(0, MAX_THOUGHT_LENGTH - 1).trimEnd()}…` : line;
}
