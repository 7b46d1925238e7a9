import type { Logger } from 'pino';
import type { GenerationOutcome } from '../gemini/generationOutcome.js';
import type { GeminiTransport, TurnHooks } from './geminiTransport.js';
import type { GeminiPart } from '../gemini/geminiTypes.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import { checkAnswerImages, checkNoImageAnswer } from './checkAnswerImages.js';
import type { PlannedTurn } from './plannedTurn.js';
import { newUserParts, planRequestContents, type RequestPlan } from './planRequestContents.js';
import { partsBytes } from '../limits/historyBudget.js';
import { requestInputFor } from './planTurn.js';
import type { GoPlan } from './turnPlan.js';
import type { TurnOutcome } from './turnOutcome.js';

/** What asking Gemini needs: the transport, the request budget, and a logger for what an operator should see. */
export interface GenerateDependencies {
  /** Gemini behind one interface (src/transports/: generateContent, or the Interactions API). */
  gemini: GeminiTransport;
  historyBudgetBytes: number;
  logger: Logger;
}

export interface GeneratedTurn {
  outcome: TurnOutcome;
  /** The user turn as sent; stored with the answer. */
  userParts: OutgoingPart[];
  retries: number;
  /** Oldest exchanges left out to stay under the request budget. */
  droppedExchanges: number;
  /** Oldest exchanges left out because the other Gemini API made them (an operator switched GEMINI_API). */
  otherApiExchanges: number;
  /** Oldest exchanges left out because an image of theirs (or of one after them) is gone from the store. */
  lostExchanges: number;
  /** What Gemini keeps of the answer, whatever the outcome (GeminiTurnResult.discard): deleted unless the history keeps the answer. */
  discard?: (() => Promise<void>) | undefined;
}

/**
 * Sends the planned turn to Gemini (its history, the words, the edited image
 * when needed, then `references`: the member's images, downloaded) and
 * classifies the answer. Call it holding a Gemini slot (GeminiSlots):
 * the slot bounds how many generations hold their big buffers at once.
 */
export async function generateTurn(deps: GenerateDependencies, { asked, plan }: PlannedTurn, references: GeminiPart[], hooks: TurnHooks): Promise<GeneratedTurn> {
  const done = (outcome: TurnOutcome, userParts: OutgoingPart[] = [], retries = 0, leftOut = { droppedExchanges: 0, otherApiExchanges: 0, lostExchanges: 0 }): GeneratedTurn => ({
    outcome,
    userParts,
    retries,
    ...leftOut,
  });
  const threadId = asked.threadId;
  const unreadable = (missingBlob: string) => {
    deps.logger.error({ threadId, missingBlob }, 'conversation history has a missing image blob');
    return done({ kind: 'history-unreadable' });
  };
  const prepared = checkedRequest(deps, plan, references);
  if (prepared.kind === 'too-large') return done({ kind: 'refused', refusal: { kind: 'history-too-large' } });
  if (prepared.kind === 'unreadable') return unreadable(prepared.missingBlob);
  const userParts = newUserParts(requestInputFor(plan, deps.gemini, prepared.referenceBytes), prepared, references);
  const call = await deps.gemini.generate(
    {
      model: plan.model,
      thread: prepared.thread,
      history: prepared.history,
      userParts,
      settings: plan.settings,
      search: asked.search === true,
      recordLatest: plan.store.kind === 'append' ? plan.store.record.exchanges.at(-1)?.model.messageId : undefined,
    },
    hooks,
  );
  if (call.kind === 'unsendable') {
    if (call.missingBlob) return unreadable(call.missingBlob);
    deps.logger.error({ threadId, problem: call.problem }, 'a stored image could not be read while sending the history');
    return done({ kind: 'history-unreadable' }, [], call.retries);
  }
  // Sent on from the conversation Gemini holds: it held the whole thread, budget or not; but never the other API's
  // turns (the first answer there was a replay without them).
  // Nor does a turn sent on from there leave out what the store lost: Gemini holds those turns.
  const leftOut = {
    droppedExchanges: call.continued ? 0 : prepared.droppedExchanges,
    otherApiExchanges: prepared.otherApiExchanges,
    lostExchanges: call.continued ? 0 : prepared.lostExchanges,
  };
  const generated = done(await checkedOutcome(deps, threadId, call.outcome), userParts, call.retries, leftOut);
  return call.discard ? { ...generated, discard: call.discard } : generated;
}

/**
 * The plan's request, once the references are downloaded: chosen by the
 * sizes their files declared, it stands unless a file turned out larger,
 * which chooses again by the measured sizes (Discord's sizes are a claim).
 */
function checkedRequest(deps: Pick<GenerateDependencies, 'gemini' | 'historyBudgetBytes'>, plan: GoPlan, references: GeminiPart[]): RequestPlan {
  const measured = partsBytes(references);
  if (measured <= plan.request.referenceBytes) return plan.request;
  return planRequestContents(requestInputFor(plan, deps.gemini, measured), deps.historyBudgetBytes);
}

/** Gemini's answer, its images checked before anything shows or keeps them. */
async function checkedOutcome(deps: Pick<GenerateDependencies, 'logger'>, threadId: string | undefined, parsed: GenerationOutcome): Promise<TurnOutcome> {
  if (parsed.kind === 'no-image') return checkNoImageAnswer(parsed);
  if (parsed.kind !== 'images') return parsed;
  const outcome = await checkAnswerImages(parsed);
  const problems = outcome.kind === 'image-unreadable' ? outcome.problems : outcome.kind === 'images' ? outcome.unreadable : [];
  // Worth an operator's look: Gemini itself, or something between it and us, sent bytes that are no picture.
  if (problems.length > 0) deps.logger.warn({ threadId, problems }, 'Gemini sent image parts that could not be read');
  return outcome;
}
