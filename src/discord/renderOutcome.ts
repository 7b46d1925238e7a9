import type { AttachmentProblem } from '../attachments/fetchAttachment.js';
import type { TurnOutcome } from '../conversation/turnOutcome.js';
import type { GeminiFailure } from '../gemini/generationOutcome.js';

/** Discord rejects message content over 2,000 characters. */
export const MAX_CONTENT_LENGTH = 2000;

export interface RenderedFile {
  name: string;
  data: Buffer;
}

export interface RenderedMessage {
  content: string;
  files: RenderedFile[];
}

/** What the user reads for each way a turn can end. */
export function renderOutcome(outcome: TurnOutcome): RenderedMessage {
  switch (outcome.kind) {
    case 'images':
      return {
        content: trimContent(outcome.text),
        files: outcome.images.map((image, index) => ({
          name: `image-${index + 1}.${fileExtension(image.mimeType)}`,
          data: Buffer.from(image.base64, 'base64'),
        })),
      };
    case 'no-image':
      return textOnly(
        outcome.text
          ? `Gemini answered without an image:\n> ${quote(outcome.text)}\nTry asking for a picture explicitly, for example "draw …" or "make an image of …".`
          : 'Gemini finished without an image or an explanation. Try rephrasing your request.',
      );
    case 'blocked':
      return textOnly(
        outcome.stage === 'prompt'
          ? `Gemini refused this request (${describeReason(outcome.reason)}). Try rephrasing it.`
          : `Gemini's filter stopped the image (${describeReason(outcome.reason)}). Try rephrasing, or remove the reference image.`,
      );
    case 'failed':
      return textOnly(describeFailure(outcome.failure));
    case 'history-unreadable':
      return textOnly(
        'I could not read the saved history of this thread, so I cannot continue it. Start a new image with /imagine; an admin can find the details in the bot\'s log.',
      );
    case 'attachments-rejected':
      return textOnly(
        ['I could not use these attachments, so I did not ask Gemini:', ...outcome.rejected.map((item) => `- ${item.name}: ${describeAttachmentProblem(item.problem)}`)].join('\n'),
      );
    case 'too-many-attachments':
      return textOnly(`That is ${outcome.count} images; Gemini takes at most ${outcome.limit} per request. Send fewer.`);
  }
}

function textOnly(content: string): RenderedMessage {
  return { content: trimContent(content), files: [] };
}

function describeFailure(failure: GeminiFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return 'Gemini took too long to answer. Please try again.';
    case 'network':
      return 'I could not reach Gemini just now. Please try again in a moment.';
    case 'malformed':
      return 'Gemini sent an answer I could not understand. Please try again.';
    case 'http':
      if (failure.status === 429) {
        return failure.quotaPeriod === 'day'
          ? "This bot has used up today's Gemini quota. It resets at midnight Pacific time."
          : 'Gemini is busy right now (rate limit). Please try again in a minute.';
      }
      if (failure.status >= 500) return 'Gemini is having trouble right now. Please try again in a moment.';
      return "Gemini rejected the bot's request. An admin should check the bot's log (API key, model name).";
  }
}

function describeAttachmentProblem(problem: AttachmentProblem): string {
  switch (problem) {
    case 'origin-not-allowed':
      return 'it is not hosted on Discord, and I only download from Discord';
    case 'too-large':
      return 'it is too large';
    case 'empty':
      return 'the file is empty';
    case 'not-an-image':
      return 'it is not a PNG, JPEG, WebP or HEIC image';
    case 'unreachable':
      return 'I could not download it';
    case 'timeout':
      return 'downloading it took too long';
  }
}

function describeReason(reason: string): string {
  return reason.toLowerCase().replace(/_/g, ' ');
}

function quote(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').slice(0, 1500);
}

/** Cuts at a word boundary and marks the cut, so a trimmed text never looks complete. */
export function trimContent(text: string, limit = MAX_CONTENT_LENGTH): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > limit * 0.8 ? cut.slice(0, lastSpace) : cut}…`;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/gif': 'gif',
};

/** Gemini often answers JPEG when PNG was expected: the extension follows the part's own mimeType. */
export function fileExtension(mimeType: string): string {
  return EXTENSIONS[mimeType.toLowerCase()] ?? 'img';
}
