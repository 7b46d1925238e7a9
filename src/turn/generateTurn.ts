import type { GenerationOutcome } from '../gemini/generationOutcome.js';
import type { TurnHooks } from './geminiTransport.js';
import type { GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import type { ConversationRecord } from '../conversation/conversationRecord.js';
import type { EngineDependencies } from './engineDependencies.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import { checkAnswerImages, checkNoImageAnswer } from './checkAnswerImages.js';
import { planRequestContents } from './planRequest.js';
import type { TurnOutcome } from './turnOutcome.js';

export interface TurnInput {
  record: ConversationRecord | undefined;
  prompt: string;
  /** The user's own reference images, as inline parts. */
  references: GeminiPart[];
  /** The bot message the user replied to, if any. */
  replyToMessageId?: string | undefined;
  model: string;
  settings: ImageSettings;
  /** Ground the answer in Google Search results. */
  search?: boolean | undefined;
  /** A reroll: this user turn exactly as first sent (text, re-sent image and references), after `record`'s exchanges. */
  exactUserParts?: OutgoingPart[] | undefined;
}

export interface GeneratedTurn {
  outcome: TurnOutcome;
  /** The user turn as sent; stored with the answer. */
  userParts: OutgoingPart[];
  retries: number;
  /** Oldest exchanges left out to stay under the request budget. */
  droppedExchanges: number;
}

/**
 * Sends the conversation so far plus the new user turn to Gemini and
 * classifies the answer. Call it holding a Gemini slot (GenerationQueue):
 * the slot bounds how many generations hold their big buffers at once.
 */
export async function generateTurn(deps: EngineDependencies, input: TurnInput, hooks: TurnHooks): Promise<GeneratedTurn> {
  const done = (outcome: TurnOutcome, userParts: OutgoingPart[] = [], retries = 0, droppedExchanges = 0): GeneratedTurn => ({
    outcome,
    userParts,
    retries,
    droppedExchanges,
  });
  const unreadable = (missingBlob: string) => {
    deps.logger.error({ threadId: input.record?.threadId, missingBlob }, 'conversation history has a missing image blob');
    return done({ kind: 'history-unreadable' });
  };
  const prepared = planRequestContents(input, deps.historyBudgetBytes);
  if (prepared.kind === 'too-large') return done({ kind: 'history-too-large' });
  if (prepared.kind === 'unreadable') return unreadable(prepared.missingBlob);
  const call = await deps.gemini.generate(
    { model: input.model, history: prepared.history, userParts: prepared.userParts, settings: input.settings, search: input.search === true },
    hooks,
  );
  if (call.kind === 'unsendable') {
    if (call.missingBlob) return unreadable(call.missingBlob);
    deps.logger.error({ threadId: input.record?.threadId, problem: call.problem }, 'a stored image could not be read while sending the history');
    return done({ kind: 'history-unreadable' }, [], call.retries);
  }
  return done(await checkedOutcome(deps, input, call.outcome), prepared.userParts, call.retries, prepared.droppedExchanges);
}

/** Gemini's answer, its images checked before anything shows or keeps them. */
async function checkedOutcome(deps: EngineDependencies, input: TurnInput, parsed: GenerationOutcome): Promise<TurnOutcome> {
  if (parsed.kind === 'no-image') return checkNoImageAnswer(parsed);
  if (parsed.kind !== 'images') return parsed;
  const outcome = await checkAnswerImages(parsed);
  const problems = outcome.kind === 'image-unreadable' ? outcome.problems : outcome.kind === 'images' ? outcome.unreadable : [];
  // Worth an operator's look: Gemini itself, or something between it and us, sent bytes that are no picture.
  if (problems.length > 0) deps.logger.warn({ threadId: input.record?.threadId, problems }, 'Gemini sent image parts that could not be read');
  return outcome;
}
