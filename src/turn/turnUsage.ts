import type { ConversationRecord, StoredPart } from '../conversation/conversationRecord.js';
import type { GenerationResult, Reservation } from '../limits/usageBudget.js';
import type { GeneratedTurn } from './generateTurn.js';
import type { TurnDependencies } from './turnDependencies.js';
import { storedAnswerImages } from '../conversation/storedParts.js';
import type { TurnOutcome } from './turnOutcome.js';

/**
 * What Gemini billed: answers, refusals and unreadable images are recorded; a
 * call that never got an answer costs nothing. Never rejects: a commit that
 * fails is logged, and its hold keeps guarding the limits until a restart
 * (or, on a shared store, until the hold expires).
 */
export async function recordUsage(bot: Pick<TurnDependencies, 'logger'>, reservation: Reservation, turn: GeneratedTurn): Promise<void> {
  const billed = billedImages(turn.outcome);
  if (!billed) return;
  try {
    await reservation.commit(billed);
  } catch (error) {
    bot.logger.error({ err: error }, 'could not record usage for a generation');
  }
}

/** Gemini bills every final image it produced, read or not; a refusal or a text answer only its tokens. */
function billedImages(outcome: TurnOutcome): GenerationResult | undefined {
  switch (outcome.kind) {
    case 'images':
      return { images: outcome.images.length + outcome.unreadable.length, usage: outcome.usage, outcome: outcome.kind };
    case 'image-unreadable':
      return { images: outcome.images, usage: outcome.usage, outcome: outcome.kind };
    case 'no-image':
    case 'blocked':
      return { images: 0, usage: outcome.usage, outcome: outcome.kind };
    default:
      return undefined;
  }
}

/** Gemini counts up to about 2,000 tokens for a 4K image it reads back, and about 4 characters a token of text. */
const TOKENS_PER_IMAGE = 2_000;

/** An upper estimate of the input tokens a turn sends, from the stored history without loading its images. */
export function estimateInputTokens(record: ConversationRecord | undefined, prompt: string, references: number, replayUserParts: StoredPart[] = []): number {
  const storedImages = (record?.exchanges ?? []).reduce(
    (count, exchange) => count + exchange.user.parts.filter((part) => part.blob).length + storedAnswerImages(exchange.model).length,
    0,
  );
  // A reroll sends its turn's own parts again exactly, images included (they are not in the history it replays).
  const replayedImages = replayUserParts.filter((part) => part.blob).length;
  const images = storedImages + references + replayedImages + 1; // + a re-sent image
  return images * TOKENS_PER_IMAGE + Math.ceil(prompt.length / 4) + 1_000;
}
