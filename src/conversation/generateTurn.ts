import { buildGenerateRequest } from '../gemini/buildGenerateRequest.js';
import { callWithRetries, type RetryOptions } from '../gemini/callWithRetries.js';
import { textPart, type GeminiContent, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import { readInlineData } from '../gemini/inlineData.js';
import { parseGenerateResponse } from '../gemini/parseGenerateResponse.js';
import type { ConversationRecord } from './conversationRecord.js';
import type { EngineDependencies } from './engineDependencies.js';
import { fitHistoryToBudget } from './fitHistoryToBudget.js';
import { editTargetIndex, finalImagesOf, replayHistory } from './replayHistory.js';
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
  exactUserParts?: GeminiPart[] | undefined;
}

/** How a turn waits: for a Gemini slot, between retries, and for shutdown. */
export interface TurnHooks {
  /**
   * Resolves false when the turn must give up waiting (shutdown). The caller
   * frees the slot once the answer is posted and stored: a slot bounds the
   * big buffers of a whole generation, not just the Gemini call.
   */
  waitForSlot(): Promise<boolean>;
  signal?: AbortSignal | undefined;
  onRetry?: RetryOptions['onRetry'];
}

export interface GeneratedTurn {
  outcome: TurnOutcome;
  /** The user turn as sent; stored with the answer. */
  userParts: GeminiPart[];
  retries: number;
  /** Oldest exchanges left out to stay under the request budget. */
  droppedExchanges: number;
}

/**
 * Sends the conversation so far plus the new user turn to Gemini and
 * classifies the answer. The history is loaded only once a Gemini slot is
 * free, so a long queue does not hold every waiting thread's images.
 */
export async function generateTurn(deps: EngineDependencies, input: TurnInput, hooks: TurnHooks): Promise<GeneratedTurn> {
  const textParts = input.prompt ? [textPart(input.prompt)] : [];
  const done = (outcome: TurnOutcome, userParts: GeminiPart[] = [], retries = 0, droppedExchanges = 0): GeneratedTurn => ({
    outcome,
    userParts,
    retries,
    droppedExchanges,
  });
  if (!(await hooks.waitForSlot())) return done({ kind: 'failed', failure: { kind: 'interrupted' } });
  const history = input.record ? await replayHistory(input.record, deps.blobs) : { ok: true as const, contents: [] };
  if (!history.ok) {
    deps.logger.error({ threadId: input.record?.threadId, missingBlob: history.missingBlob }, 'conversation history has a missing image blob');
    return done({ kind: 'history-unreadable' });
  }
  const prepared = prepareRequestContents(history.contents, input, textParts, deps.historyBudgetBytes);
  if (!prepared) return done({ kind: 'history-too-large' });
  const body = buildGenerateRequest(prepared.contents, input.settings, { search: input.search === true });
  const call = await callWithRetries(deps.gemini, input.model, body, { baseDelayMs: deps.retryBaseDelayMs, signal: hooks.signal, onRetry: hooks.onRetry });
  const outcome: TurnOutcome = call.result.ok ? parseGenerateResponse(call.result.json) : { kind: 'failed', failure: call.result.failure };
  return done(outcome, prepared.userParts, call.retries, prepared.droppedExchanges);
}

/**
 * The contents to send: history within the budget, then the new user turn
 * (text, the edited image when it is not the last thing Gemini will see,
 * then the user's references).
 */
function prepareRequestContents(history: GeminiContent[], input: TurnInput, textParts: GeminiPart[], budgetBytes: number) {
  const target = editTargetIndex(input.record, input.replyToMessageId);
  const lastIndex = (input.record?.exchanges.length ?? 0) - 1;
  // An image the user's own references already carry (a reroll replaying its turn) is not sent twice.
  const alreadySent = new Set(input.references.map((part) => readInlineData(part)?.data));
  const targetImages = (target >= 0 ? finalImagesOf(history[target * 2 + 1]) : []).filter((part) => !alreadySent.has(readInlineData(part)?.data));
  const userTurn = (resend: boolean): GeminiContent => ({
    role: 'user',
    parts: input.exactUserParts ?? [...textParts, ...(resend ? targetImages : []), ...input.references],
  });
  let resend = !input.exactUserParts && target >= 0 && target < lastIndex;
  let fitted = fitHistoryToBudget(history, userTurn(resend), budgetBytes);
  // When the budget drops the exchange being edited, its image must travel with the new turn instead.
  if (fitted && !resend && !input.exactUserParts && target >= 0 && fitted.droppedExchanges > target) {
    resend = true;
    fitted = fitHistoryToBudget(history, userTurn(true), budgetBytes);
  }
  if (!fitted) return undefined;
  return { contents: fitted.contents, userParts: userTurn(resend).parts, droppedExchanges: fitted.droppedExchanges };
}
