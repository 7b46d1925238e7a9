import type { Refusal } from '../refusals/refusal.js';
import type { ModelAnswer } from '../gemini/modelAnswer.js';
import type { GenerationOutcome, GroundingSource, TokenUsage } from '../gemini/generationOutcome.js';
import type { CheckedImage, ImageProblem } from '../images/checkGeneratedImage.js';

/** Gemini's images once checked (checkAnswerImages): only images that decode are shown. */
export interface ImagesOutcome {
  kind: 'images';
  modelContent: ModelAnswer;
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
  /** Declined before Gemini was asked (access, limits, what the request names or sends): see refusals/refusal.ts. */
  | { kind: 'refused'; refusal: Refusal };

/** The outcome's name in logs and metrics: a refusal by its own kind (history-too-large, the one generateTurn can return). */
export function outcomeName(outcome: TurnOutcome): string {
  return outcome.kind === 'refused' ? outcome.refusal.kind : outcome.kind;
}
