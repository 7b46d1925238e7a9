import { checkGeneratedImage } from '../images/checkGeneratedImage.js';
import { fitPreviewToUploadLimit } from '../images/fitToUploadLimit.js';
import type { TurnProgress } from '../turn/turnRequest.js';
import { fileExtension, trimContent, type RenderedMessage } from './renderOutcome.js';

/** The sentence that opens a sketch's message; the answer replaces it. */
function sketchCaption(number: number): string {
  return `Sketch ${number}, still drawing…`;
}

/**
 * What the member's pending reply shows while the request waits or Gemini
 * draws. A sketch is checked like an answer's image before it is posted
 * (strict base64, magic bytes, a header sharp reads) and posted as the type
 * its bytes show, without buttons. One larger than the destination takes
 * is shown smaller (a 4K draft can pass an unboosted server's 10 MiB, and 4K
 * renders are the slow ones a member most wants to watch); one that fails
 * the check, or does not fit even so, is skipped (undefined): the next
 * sketch or the answer comes soon.
 */
export async function renderProgress(progress: TurnProgress, uploadLimitBytes: number): Promise<RenderedMessage | undefined> {
  switch (progress.kind) {
    case 'queued':
      return text(progress.ahead === 0 ? 'Waiting for a free slot: you are next.' : `Queued: ${progress.ahead} ahead of you.`);
    case 'retrying':
      return text(`Gemini is busy, retrying in ${progress.seconds} s…`);
    case 'sketch': {
      const check = await checkGeneratedImage(progress.image);
      if (!check.ok) return undefined;
      const { mimeType, bytes } = check.image;
      const fitted = await fitPreviewToUploadLimit({ name: `sketch-${progress.number}.${fileExtension(mimeType)}`, mimeType, data: bytes }, uploadLimitBytes);
      if (fitted.kind === 'impossible') return undefined;
      const caption = [sketchCaption(progress.number), ...(progress.thought ? [`-# ${progress.thought}`] : [])].join('\n');
      return { content: trimContent(caption), files: [fitted.image] };
    }
  }
}

function text(content: string): RenderedMessage {
  return { content, files: [] };
}
