import { checkGeneratedImage } from '../images/checkGeneratedImage.js';
import type { TurnProgress } from '../turn/turnRequest.js';
import { fileExtension, trimContent, type RenderedMessage } from './renderOutcome.js';

/** The sentence that opens a sketch's message; the answer replaces it. */
export function sketchCaption(number: number): string {
  return `Sketch ${number}, still drawing…`;
}

/**
 * What the member's pending reply shows while the request waits or Gemini
 * draws. A sketch is checked like an answer's image before it is posted
 * (strict base64, magic bytes, a header sharp reads) and posted as the type
 * its bytes show, without buttons; one that fails the check, or is larger
 * than the destination takes, is skipped (undefined): the next sketch or the
 * answer comes soon, and a sketch is not worth a re-encode.
 */
export async function renderProgress(progress: TurnProgress, uploadLimitBytes: number): Promise<RenderedMessage | undefined> {
  switch (progress.kind) {
    case 'queued':
      return text(progress.ahead === 0 ? 'Waiting for a free slot: you are next.' : `Queued: ${progress.ahead} ahead of you.`);
    case 'retrying':
      return text(`Gemini is busy, retrying in ${progress.seconds} s…`);
    case 'sketch': {
      const check = await checkGeneratedImage(progress.image);
      if (!check.ok || check.image.bytes.length > uploadLimitBytes) return undefined;
      const { mimeType, bytes } = check.image;
      const caption = [sketchCaption(progress.number), ...(progress.thought ? [`-# ${progress.thought}`] : [])].join('\n');
      return { content: trimContent(caption), files: [{ name: `sketch-${progress.number}.${fileExtension(mimeType)}`, mimeType, data: bytes }] };
    }
  }
}

function text(content: string): RenderedMessage {
  return { content, files: [] };
}
