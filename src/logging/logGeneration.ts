import type { Logger } from 'pino';
import type { GeneratedTurn } from '../turn/generateTurn.js';
import { isKnownReason } from '../discord/describeGeminiReason.js';
import type { GeminiFailure } from '../gemini/generationOutcome.js';

export interface GenerationContext {
  guildId: string;
  threadId: string | undefined;
  userId: string;
  model: string;
}

/** One line per generation, with what an admin needs to follow cost and trouble. */
export function logGeneration(logger: Logger, context: GenerationContext, turn: GeneratedTurn, latencyMs: number): void {
  const outcome = turn.outcome;
  const fields = {
    ...context,
    outcome: outcome.kind,
    latencyMs,
    retries: turn.retries,
    droppedExchanges: turn.droppedExchanges,
    ...('usage' in outcome ? { usage: outcome.usage } : {}),
    ...(outcome.kind === 'blocked' ? { reason: outcome.reason, stage: outcome.stage } : {}),
    ...(outcome.kind === 'no-image' ? { finishReason: outcome.finishReason } : {}),
  };
  if (outcome.kind === 'failed') {
    const hint = adminHint(outcome.failure, context.model);
    logger.warn({ ...fields, failure: outcome.failure, ...(hint ? { hint } : {}) }, 'generation failed');
    return;
  }
  const reason = outcome.kind === 'blocked' ? outcome.reason : outcome.kind === 'no-image' ? outcome.finishReason : undefined;
  if (reason && reason !== 'STOP' && !isKnownReason(reason)) logger.warn({ ...fields, reason }, 'Gemini gave a reason this bot does not know');
  logger.info(fields, 'generation finished');
}

/** What an operator should fix when Gemini refuses the bot itself rather than the prompt. */
function adminHint(failure: GeminiFailure, model: string): string | undefined {
  if (failure.kind !== 'http') return undefined;
  if (failure.status === 403 || /API key/i.test(failure.message)) return 'the Gemini API key is invalid or lacks access (check GEMINI_API_KEY)';
  if (failure.status === 404) return `the model "${model}" does not exist for this API version (check GEMINI_MODEL)`;
  if (failure.status === 400) return 'Gemini rejected the request as invalid; see failure.message';
  return undefined;
}
