import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { GeneratedTurn } from './generateTurn.js';
import { isKnownReason } from '../gemini/finishReasons.js';
import type { GeminiFailure } from '../gemini/generationOutcome.js';
import { outcomeName } from './turnOutcome.js';

export interface GenerationContext {
  guildId: string;
  threadId: string | undefined;
  userId: string;
  model: string;
}

/**
 * Where a turn's time went, step by step: each `lap` adds the milliseconds
 * since the previous one to that step's total (a step that runs twice, as
 * when a fresh start asks Gemini again, counts both). The steps are laid out
 * in runTurn and deliverAndStore; `npm run bench` reads them from the
 * generation's log line to show which step is worth making faster.
 */
export interface PhaseClock {
  lap(phase: string): void;
  /** Milliseconds per step, in the order first lapped, to a tenth. */
  phases(): Record<string, number>;
}

export function startPhaseClock(): PhaseClock {
  const totals = new Map<string, number>();
  let last = performance.now();
  return {
    lap(phase) {
      const now = performance.now();
      totals.set(phase, (totals.get(phase) ?? 0) + (now - last));
      last = now;
    },
    phases: () => Object.fromEntries([...totals].map(([phase, ms]) => [phase, Math.round(ms * 10) / 10])),
  };
}

/**
 * One line per generation, with what an admin needs to follow cost and
 * trouble, and where its time went until the answer was read (`phases`, in
 * ms; runTurn logs all of them, delivery included, at debug level once the
 * turn is stored).
 */
export function logGeneration(logger: Logger, context: GenerationContext, turn: GeneratedTurn, latencyMs: number, phases: Record<string, number>): void {
  const outcome = turn.outcome;
  const fields = {
    ...context,
    outcome: outcomeName(outcome),
    latencyMs,
    phases,
    retries: turn.retries,
    droppedExchanges: turn.droppedExchanges,
    otherApiExchanges: turn.otherApiExchanges,
    lostExchanges: turn.lostExchanges,
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
