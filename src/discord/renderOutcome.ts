import type { TurnOutcome } from '../turn/turnOutcome.js';
import type { GeminiFailure } from '../gemini/generationOutcome.js';
import { describeGeminiReason } from './describeGeminiReason.js';
import { describeRefusal } from './describeRefusal.js';
import type { ResultButtons } from './resultButtons.js';

/** Discord rejects message content over 2,000 characters. */
const MAX_CONTENT_LENGTH = 2000;

export interface RenderedFile {
  name: string;
  mimeType: string;
  data: Buffer;
}

export interface RenderedMessage {
  content: string;
  files: RenderedFile[];
  /** Result images carry the Reroll / Edit / Upscale / Branch / Delete buttons (Upscale to the sizes their model makes). */
  buttons?: ResultButtons | undefined;
  /** Gemini's answer (an image, or its words), as opposed to a notice about the request (a refusal, a limit, a failure). */
  isAnswer?: boolean;
}

/** A result whose model is not known offers no Upscale: the safe side (resultButtonsFor knows the model's sizes). */
const NO_UPSCALE: ResultButtons = { upscaleSizes: [] };

/**
 * What the user reads for each way a turn can end: a sentence saying what
 * happened and what to try, never JSON, a status code or a stack trace.
 * `notes` are small print under the answer ("left out the oldest turns");
 * `buttons` what a result's buttons offer (resultButtonsFor its model).
 */
export function renderOutcome(outcome: TurnOutcome, notes: string[] = [], buttons: ResultButtons = NO_UPSCALE): RenderedMessage {
  const message = (text: string, files: RenderedFile[] = []): RenderedMessage => withNotes({ content: text, files }, notes);
  switch (outcome.kind) {
    case 'images': {
      const leftOut = outcome.unreadable.length;
      const leftOutNote = leftOut > 0 ? [`${leftOut} of the images Gemini sent could not be read and ${leftOut === 1 ? 'was' : 'were'} left out.`] : [];
      return {
        ...withNotes(
          {
            content: outcome.text,
            // Named and typed by what the bytes are: Gemini often answers JPEG when PNG was expected, and a declared type can be wrong.
            files: outcome.images.map((image, index) => ({ name: `image-${index + 1}.${fileExtension(image.mimeType)}`, mimeType: image.mimeType, data: image.bytes })),
          },
          [...leftOutNote, ...notes],
        ),
        buttons,
        isAnswer: true,
      };
    }
    case 'image-unreadable':
      return message('Gemini sent an image I could not read; please try again.');
    case 'no-image': {
      const reason = outcome.finishReason && outcome.finishReason !== 'STOP' ? describeGeminiReason(outcome.finishReason) : undefined;
      const intro = reason ? `No image this time: ${reason.what}. ${reason.tryThis}` : 'Gemini answered without an image. Try asking for a picture explicitly, for example "draw …".';
      return { ...message(outcome.text ? `${intro}\nGemini said:\n> ${quote(outcome.text)}` : intro), isAnswer: true };
    }
    case 'blocked': {
      const reason = describeGeminiReason(outcome.reason);
      const subject = outcome.stage === 'prompt' ? 'Gemini refused this request' : 'Gemini\'s filter stopped the image';
      return message(`${subject} (${reason.category}): ${reason.what}. ${reason.tryThis}`);
    }
    case 'failed':
      return message(describeFailure(outcome.failure));
    case 'history-unreadable':
      // Found while the history was sent: the same sentence as when it is found before.
      return message(describeRefusal({ kind: 'history-unreadable' }));
    case 'refused':
      return message(describeRefusal(outcome.refusal));
  }
}

function describeFailure(failure: GeminiFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return 'Gemini took too long to answer. Please try again.';
    case 'interrupted':
      return 'The bot is restarting, so this request could not finish. Please send it again in a minute.';
    case 'network':
      return 'I could not reach Gemini just now. Please try again in a moment.';
    case 'cut':
      return "Gemini's answer broke off before it was finished, so nothing was kept. Please try again in a moment.";
    case 'malformed':
      return 'Gemini sent an answer I could not understand. Please try again.';
    case 'unsendable':
      return failure.storeFailed
        ? "My storage did not answer while I was sending this conversation to Gemini, so nothing was made. Please try again in a moment; the conversation is intact."
        : 'I could not read the saved images of this conversation, so I could not send it to Gemini.';
    case 'http':
      if (failure.status === 429) {
        return failure.quotaPeriod === 'day'
          ? "This bot has used up today's Gemini quota. It resets at midnight Pacific time; please try again tomorrow."
          : 'Gemini is busy right now (too many requests). Please try again in a minute or two.';
      }
      if (failure.status >= 500) return 'Gemini is having trouble right now. Please try again in a moment.';
      if (failure.status === 400 && !/API key/i.test(failure.message)) {
        return 'Gemini could not process this request. Try other wording or other images; if it keeps happening in this thread, start a new image with /imagine.';
      }
      return "Gemini rejected the bot's request because of the bot's setup. A server admin should check the bot's log.";
  }
}

function quote(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Adds small-print lines under a message; the notes stay whole and the main text is trimmed to fit. */
export function withNotes(message: RenderedMessage, notes: string[]): RenderedMessage {
  if (notes.length === 0) return { ...message, content: trimContent(message.content) };
  const parts = [message.content, ...notes.map((note) => `-# ${note}`)].filter(Boolean);
  return { ...message, content: joinWithin(parts, MAX_CONTENT_LENGTH) };
}

/** Keeps the later parts whole and trims the first (the model's text) to fit. */
function joinWithin(parts: string[], limit: number): string {
  const [first = '', ...rest] = parts;
  const tail = rest.join('\n');
  if (!tail) return trimContent(first, limit);
  const room = limit - tail.length - 1;
  return room > 0 && first ? `${trimContent(first, room)}\n${tail}` : trimContent(tail, limit);
}

/**
 * Cuts at a word boundary and marks the cut, so a trimmed text never looks
 * complete. Counts code points, so an emoji is never split in half.
 */
export function trimContent(text: string, limit = MAX_CONTENT_LENGTH): string {
  if (text.length <= limit) return text;
  let cut = '';
  for (const character of text) {
    if (cut.length + character.length > limit - 1) break;
    cut += character;
  }
  const lastSpace = cut.lastIndexOf(' ');
  return `${lastSpace > limit * 0.8 ? cut.slice(0, lastSpace) : cut}…`;
}

/** Discord thread names hold at most 100 characters. */
export function threadName(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat ? trimContent(flat, 100) : 'Image';
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/gif': 'gif',
};

/** The extension a file of this type is known by, so Discord and the member's viewer read it right. */
export function fileExtension(mimeType: string): string {
  return EXTENSIONS[mimeType.toLowerCase()] ?? 'img';
}
