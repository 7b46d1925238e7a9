import type { AttachmentProblem } from '../attachments/fetchAttachment.js';
import type { Refusal } from '../refusals/refusal.js';
import type { GeminiContent } from '../gemini/geminiTypes.js';
import type { GenerationOutcome, GroundingSource, TokenUsage } from '../gemini/generationOutcome.js';
import type { CheckedImage, ImageProblem } from '../images/checkGeneratedImage.js';

/** Gemini's images once checked (checkAnswerImages): only images that decode are shown. */
export interface ImagesOutcome {
  kind: 'images';
  modelContent: GeminiContent;
  images: CheckedImage[];
  text: string;
  usage: TokenUsage;
  sources: GroundingSource[];
  /** Final images Gemini sent (and billed) that could not be read, left out of the message. */
  unreadable: ImageProblem[];
  /** Why this answer must not be kept in the history (a replay of it would fail); undefined when it can be. */
  notReplayable: string | undefined;
}

/** An answer without an image, once its content was checked like an image answer's (its interim images too). */
export type NoImageOutcome = Extract<GenerationOutcome, { kind: 'no-image' }> & {
  /** Why this answer must not be kept in the history (a replay of it would fail); absent when it can be. */
  notReplayable?: string | undefined;
};

/** Every way a turn can end: Gemini's outcomes plus the ones decided before or around the call. */
export type TurnOutcome =
  | Exclude<GenerationOutcome, { kind: 'images' | 'no-image' }>
  | ImagesOutcome
  | NoImageOutcome
  /** Gemini answered with images and billed them, but none of them can be read. */
  | { kind: 'image-unreadable'; images: number; problems: ImageProblem[]; usage: TokenUsage }
  | { kind: 'history-unreadable' }
  /** Even the newest turn alone is over the request budget. */
  | { kind: 'history-too-large' }
  | { kind: 'attachments-rejected'; rejected: Array<{ name: string; problem: AttachmentProblem }> }
  | { kind: 'too-many-attachments'; count: number; limit: number }
  /** Declined before Gemini was asked (access, limits, what the request names): see refusals/refusal.ts. */
  | { kind: 'refused'; refusal: Refusal };
