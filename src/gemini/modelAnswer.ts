import type { GeminiContent } from './geminiTypes.js';
import { readInlineData } from './inlineData.js';
import { itemsFieldOf, type InteractionStep } from './interactionSteps.js';

/**
 * Gemini's answer exactly as received, in the shape of the API that sent it:
 * generateContent's candidate `content` (parts), or the Interactions API's
 * steps with the interaction Google keeps for them. Kept as is, thought
 * signatures included, so a later turn can replay it
 * (transports/signatureReplay.ts). The turn stores it and never reads it:
 * only the transport of its API does.
 */
export type ModelAnswer = { api: 'generate-content'; content: GeminiContent } | { api: 'interactions'; steps: InteractionStep[]; interaction: AnswerInteraction };

/** The interaction Google keeps for an Interactions answer (stored with it as conversationRecord.ts describes). */
export interface AnswerInteraction {
  id: string;
  /** ISO time, on our clock, when the request that made it started (never later than Google's own). */
  createdAt: string;
  /** The bot message whose answer's interaction the turn continued from: a reroll of it starts there too. */
  builtOn?: string | undefined;
  /** Google's copy of the thread is not the record's (the turn built on an answer before the latest): never continued from. */
  outdated?: true | undefined;
}

/** An image (or other inline data) inside an answer: `interim` for a thought's draft, never shown. */
export interface AnswerImage {
  mimeType: string | undefined;
  data: string;
  interim: boolean;
}

/** Every inline data an answer holds, final and interim, in order: each must be an image that decodes for the answer to be replayed. */
export function answerImages(answer: ModelAnswer): AnswerImage[] {
  if (answer.api === 'generate-content') {
    return answer.content.parts.flatMap((part) => {
      const inline = readInlineData(part);
      return inline ? [{ mimeType: inline.mimeType, data: inline.data, interim: part['thought'] === true }] : [];
    });
  }
  return answer.steps.flatMap((step) => {
    const field = itemsFieldOf(step);
    const items = field ? (step[field] as unknown[]) : [];
    return items.flatMap((item) => {
      const fields = item as Record<string, unknown>;
      if (fields['type'] !== 'image' || typeof fields['data'] !== 'string') return [];
      const mimeType = fields['mime_type'];
      return [{ mimeType: typeof mimeType === 'string' ? mimeType : undefined, data: fields['data'], interim: step['type'] === 'thought' }];
    });
  });
}
