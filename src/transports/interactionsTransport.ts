import type { Logger } from 'pino';
import { interactionOf, type Exchange } from '../conversation/conversationRecord.js';
import { indexOfMessage } from '../conversation/editTarget.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import { withRetries } from '../gemini/callWithRetries.js';
import type { GeminiClientOptions } from '../gemini/geminiCall.js';
import type { GeminiFailure, GenerationOutcome } from '../gemini/generationOutcome.js';
import { forgetInteractions } from '../gemini/forgetInteractions.js';
import { buildInteractionRequest } from '../gemini/buildInteractionRequest.js';
import { createInteraction } from '../gemini/interactionsClient.js';
import { parseInteraction } from '../gemini/parseInteraction.js';
import type { BlobStore } from '../store/blobStore.js';
import { failedCall, missingStoredImage, type GeminiTransport, type GeminiTurnRequest, type GeminiTurnResult, type ReplayScope, type TurnHooks, type TurnThread } from '../turn/geminiTransport.js';
import { replayStepsWithSignatures, userInputStep, type ReplayedSteps } from './signatureReplay.js';
import { streamedJsonBody } from './streamedRequestBody.js';

export interface InteractionsTransportDependencies {
  client: GeminiClientOptions;
  blobs: BlobStore;
  retryBaseDelayMs: number;
  /** How long Google keeps an interaction, as the operator declares it (GEMINI_INTERACTION_RETENTION_HOURS). */
  retentionMs: number;
  logger: Logger;
  /** The clock the retention is measured on (tests move it). */
  now?: () => number;
  /**
   * Takes work a turn does not wait for (deleting at Google what a cut call began), so a stopping process waits for
   * it before it exits: a DELETE cut off by the exit would leave the interaction stored at Google.
   */
  keepUntilStopped?: ((work: Promise<unknown>) => void) | undefined;
  /**
   * Aborts when the process begins to stop: those deletions then send each id's first DELETE still (a turn the stop
   * cut off asks after it, on purpose) but retry none, so they end before the exit and name what they left.
   */
  stopSignal?: AbortSignal | undefined;
}

/** What becomes of an interaction no conversation names that Google did not confirm deleted. */
export const UNKEPT_LEFT_AT_GOOGLE = 'Google did not confirm these interactions deleted; no conversation names them, so the bot will not ask again: they are left at Google and expire with its retention';

/**
 * The Interactions API (`POST /v1beta/interactions`): Google keeps each
 * answered turn, so a turn that builds on one still within the retention
 * sends only its new input with `previous_interaction_id` (continuation by
 * id). An older one, or one Google answers unknown (any 404, or a 400 naming
 * it), is replayed statelessly: the budgeted history as steps, each model
 * turn's steps exactly as received (replayStepsWithSignatures), and the next
 * turn goes on from the new id. Google stores every interaction (`store` left
 * at its default), so the answer always has an id to continue from; the
 * answer keeps it (ModelAnswer.interaction), which only this file reads.
 */
export function interactionsTransport(deps: InteractionsTransportDependencies): GeminiTransport {
  const now = deps.now ?? Date.now;
  return {
    api: 'interactions',
    scope: interactionsScope,
    async generate(request, hooks) {
      const answer = await continuedOrReplayed(deps, request, hooks, now);
      return answer.kind === 'answered' ? { ...answer, outcome: withBase(answer.outcome, request) } : answer;
    },
    forget: (interactionIds, options) => forgetInteractions(deps, interactionIds, options),
  };
}

/**
 * A turn goes on from the interaction of the answer it builds on: the
 * latest, an upscale's image, or where a rerolled turn first went on from.
 * Google's copy of that interaction holds the thread up to it, so a replay
 * stops there too and Gemini sees the same conversation either way; an
 * interaction whose copy is not the record's (outdated) is not continued.
 */
function interactionsScope(thread: TurnThread): ReplayScope {
  const base = thread.redoes ? interactionOf(thread.redoes)?.builtOn : thread.buildsOn;
  const at = base === undefined ? -1 : indexOfMessage(thread.exchanges, base);
  const exchanges = at >= 0 ? thread.exchanges.slice(0, at + 1) : thread.exchanges;
  const last = interactionOf(exchanges.at(-1));
  return { exchanges, held: last !== undefined && !last.outdated };
}

async function continuedOrReplayed(deps: InteractionsTransportDependencies, request: GeminiTurnRequest, hooks: TurnHooks, now: () => number): Promise<GeminiTurnResult> {
  const previous = interactionOf(request.thread.at(-1));
  if (previous && !previous.outdated && now() - Date.parse(previous.createdAt) < deps.retentionMs) {
    const continued = await send(deps, request, hooks, { previousId: previous.id, history: [] }, now);
    if (!namesUnknownInteraction(continued, previous.id)) return continued.kind === 'answered' ? { ...continued, continued: true } : continued;
    deps.logger.info({ interactionId: previous.id }, 'Gemini no longer knows the interaction; replaying the stored history');
  }
  return send(deps, request, hooks, { previousId: undefined, history: request.history }, now);
}

/**
 * The answer's interaction, told which answer the turn built on (a reroll of
 * it starts there too). A turn that built on an earlier answer than the
 * record's latest (a reroll, an upscale of an older image) made an
 * interaction whose history at Google skips the turns between, while the
 * record holds them all: it is outdated, so the next turn replays the record
 * instead of continuing from it, and the model sees the same thread on
 * either API. That includes a reroll of the thread's first turn, which built
 * on nothing while the record already holds that turn; only the first answer
 * of a new conversation (no record yet) builds on nothing and is current.
 */
function withBase(outcome: GenerationOutcome, request: GeminiTurnRequest): GenerationOutcome {
  if ((outcome.kind !== 'images' && outcome.kind !== 'no-image') || outcome.modelContent?.api !== 'interactions') return outcome;
  if (request.recordLatest === undefined) return outcome;
  const builtOn = request.thread.at(-1)?.model.messageId;
  const interaction = {
    ...outcome.modelContent.interaction,
    ...(builtOn !== undefined ? { builtOn } : {}),
    ...(builtOn !== request.recordLatest ? { outdated: true as const } : {}),
  };
  return { ...outcome, modelContent: { ...outcome.modelContent, interaction } };
}

async function send(
  deps: InteractionsTransportDependencies,
  request: GeminiTurnRequest,
  hooks: TurnHooks,
  from: { previousId: string | undefined; history: readonly Exchange[] },
  now: () => number,
): Promise<GeminiTurnResult> {
  const input = inputSteps(from.history, request.userParts);
  if (!input.ok) return missingStoredImage(input.missingBlob);
  const body = await streamedJsonBody(buildInteractionRequest(input.steps, request, { previousId: from.previousId, stream: deps.client.stream, drafts: deps.client.stream && hooks.onPreview !== undefined }), deps.blobs);
  if (!body.ok) return missingStoredImage(body.missingBlob);
  const createdAt = new Date(now()).toISOString();
  // Interactions Google began for tries that failed (a stream cut, say): stored there, never in the history.
  const abandoned: string[] = [];
  const call = await withRetries(async () => {
    const result = await createInteraction(deps.client, request.model, body.body, hooks.signal, hooks.onPreview);
    if (!result.ok && result.interactionId) abandoned.push(result.interactionId);
    return result;
  }, {
    baseDelayMs: deps.retryBaseDelayMs,
    signal: hooks.signal,
    onRetry: hooks.onRetry,
    onPreview: hooks.onPreview,
  });
  // Not awaited: the member's answer (or, at shutdown, the restarting notice) does not wait for Google's bookkeeping;
  // the process does before it exits (forgetting never rejects, logs each one).
  if (abandoned.length > 0) void forgetUnkept(deps, abandoned);
  if (!call.result.ok) return failedCall(call.result.failure, call.retries);
  const parsed = parseInteraction(call.result.json, createdAt);
  if (!parsed.ok) return { kind: 'answered', outcome: parsed.outcome, retries: call.retries, discard: discarding(deps, interactionIdIn(call.result.json)) };
  if (parsed.status !== 'completed' || parsed.stepError) {
    // Google documents no finish reasons here: an operator sees the raw status (an unknown one is also a readable failure).
    deps.logger.warn({ interactionId: parsed.id, status: parsed.status, stepError: parsed.stepError }, 'Gemini ended the interaction without completing it');
  }
  return { kind: 'answered', outcome: parsed.outcome, retries: call.retries, discard: discarding(deps, parsed.id) };
}

/**
 * Google keeps the prompt and references of an answer the history does not (a refusal, a failure, an answer not
 * replayable, not posted or not saved): no Delete could reach it later. One DELETE however often it is called
 * (forgetUnkept). The turn does not wait for it: with its retries a DELETE can take minutes, and the thread's line
 * and the Gemini slot are not held meanwhile.
 */
function discarding(deps: InteractionsTransportDependencies, interactionId: string | undefined): (() => Promise<void>) | undefined {
  if (interactionId === undefined) return undefined;
  let discarded: Promise<void> | undefined;
  return () => (discarded ??= forgetUnkept(deps, [interactionId]));
}

/**
 * Deletes at Google interactions no conversation names (a discarded answer's, a cut call's), handed to the work a
 * stopping process waits for (bounded). Once the stop begins, each id's first DELETE still goes (a turn the stop
 * cut off asks after it began, and nothing else could ever reach the id) but no retry starts or waits, so this
 * ends before the exit; the ids Google did not confirm gone are named in a warning, nothing asking again. Never
 * rejects.
 */
function forgetUnkept(deps: InteractionsTransportDependencies, interactionIds: readonly string[]): Promise<void> {
  const forgetting = forgetInteractions(deps, interactionIds, { signal: deps.stopSignal, firstTryAfterStop: true }).then((left) => {
    if (left.length > 0) deps.logger.warn({ interactionIds: left }, UNKEPT_LEFT_AT_GOOGLE);
  });
  deps.keepUntilStopped?.(forgetting);
  return forgetting;
}

/** The id of an interaction whose answer could not be read otherwise, so it can still be deleted. */
function interactionIdIn(json: unknown): string | undefined {
  const id = typeof json === 'object' && json !== null ? (json as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/**
 * Google's answer to a previous_interaction_id it does not know, which it
 * does not document. Any 404 counts: its body may not name the id (or not be
 * JSON at all), and missing one would leave every later turn continuing from
 * the same dead id until the retention clock runs out; a 404 for another
 * reason (an unknown model) costs one more, unbilled, call. A 400 counts only
 * when it names the id or the field: an invalid argument elsewhere would fail
 * the replay the same way.
 */
function namesUnknownInteraction(result: GeminiTurnResult, id: string): boolean {
  if (result.kind !== 'answered' || result.outcome.kind !== 'failed') return false;
  const failure: GeminiFailure = result.outcome.failure;
  if (failure.kind !== 'http') return false;
  if (failure.status === 404) return true;
  return failure.status === 400 && (failure.message.includes(id) || failure.message.includes('previous_interaction'));
}

/**
 * The input steps: the history replayed with its signatures (signature
 * replay, signatureReplay.ts), then the new user turn; a continuation sends
 * no history. Images are body slots, read from the blob store as it streams.
 */
function inputSteps(history: readonly Exchange[], userParts: readonly OutgoingPart[]): ReplayedSteps {
  const replayed = replayStepsWithSignatures(history);
  if (!replayed.ok) return replayed;
  const input = userInputStep(userParts);
  return input.ok ? { ok: true, steps: [...replayed.steps, input.step] } : input;
}
