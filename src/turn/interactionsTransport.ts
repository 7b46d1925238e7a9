import type { Logger } from 'pino';
import type { Exchange } from '../conversation/conversationRecord.js';
import type { OutgoingPart } from '../conversation/outgoingParts.js';
import { replayStepsWithSignatures, userInputStep, type ReplayedSteps } from '../conversation/signatureReplay.js';
import { streamedJsonBody } from '../conversation/streamedRequestBody.js';
import { withRetries } from '../gemini/callWithRetries.js';
import type { GeminiClientOptions } from '../gemini/geminiCall.js';
import type { GeminiFailure } from '../gemini/generationOutcome.js';
import { forgetInteractions } from '../gemini/forgetInteractions.js';
import { buildInteractionRequest } from '../gemini/buildInteractionRequest.js';
import { createInteraction } from '../gemini/interactionsClient.js';
import { parseInteraction } from '../gemini/parseInteraction.js';
import type { BlobStore } from '../store/blobStore.js';
import type { GeminiTransport, GeminiTurnRequest, GeminiTurnResult, TurnHooks } from './geminiTransport.js';

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
}

/**
 * The Interactions API (`POST /v1beta/interactions`): Google keeps each
 * answered turn, so a turn that builds on one still within the retention
 * sends only its new input with `previous_interaction_id`. An older one, or
 * one Google answers unknown (any 404, or a 400 naming it), is replayed statelessly: the
 * whole history as steps, each model turn's steps exactly as received (its
 * thought signatures inside), and the next turn goes on from the new id.
 * Google stores every interaction (`store` left at its default), so the
 * answer always has an id to continue from.
 */
export function interactionsTransport(deps: InteractionsTransportDependencies): GeminiTransport {
  const now = deps.now ?? Date.now;
  return {
    api: 'interactions',
    async generate(request, hooks) {
      const previous = request.continueFrom;
      if (previous && now() - Date.parse(previous.createdAt) < deps.retentionMs) {
        const continued = await send(deps, request, hooks, { previousId: previous.id, history: [] }, now);
        if (!namesUnknownInteraction(continued, previous.id)) return continued.kind === 'answered' ? { ...continued, continued: true } : continued;
        deps.logger.info({ interactionId: previous.id }, 'Gemini no longer knows the interaction; replaying the stored history');
      }
      return send(deps, request, hooks, { previousId: undefined, history: request.history }, now);
    },
    forget: (interactionIds) => forgetInteractions(deps, interactionIds),
  };
}

async function send(
  deps: InteractionsTransportDependencies,
  request: GeminiTurnRequest,
  hooks: TurnHooks,
  from: { previousId: string | undefined; history: readonly Exchange[] },
  now: () => number,
): Promise<GeminiTurnResult> {
  const input = inputSteps(from.history, request.userParts);
  if (!input.ok) return { kind: 'unsendable', problem: 'a stored image is missing', missingBlob: input.missingBlob, retries: 0 };
  const body = await streamedJsonBody(buildInteractionRequest(input.steps, request, { previousId: from.previousId, stream: deps.client.stream, drafts: deps.client.stream && hooks.onPreview !== undefined }), deps.blobs);
  if (!body.ok) return { kind: 'unsendable', problem: 'a stored image is missing', missingBlob: body.missingBlob, retries: 0 };
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
  if (abandoned.length > 0) {
    const forgetting = forgetInteractions(deps, abandoned);
    deps.keepUntilStopped?.(forgetting);
  }
  if (!call.result.ok) {
    const failure = call.result.failure;
    if (failure.kind === 'unsendable' && !failure.storeFailed) return { kind: 'unsendable', problem: failure.message, retries: call.retries };
    return { kind: 'answered', outcome: { kind: 'failed', failure }, retries: call.retries };
  }
  const parsed = parseInteraction(call.result.json);
  if (!parsed.ok) return { kind: 'answered', outcome: parsed.outcome, retries: call.retries, interactionId: interactionIdIn(call.result.json) };
  if (parsed.status !== 'completed' || parsed.stepError) {
    // Google documents no finish reasons here: an operator sees the raw status (an unknown one is also a readable failure).
    deps.logger.warn({ interactionId: parsed.id, status: parsed.status, stepError: parsed.stepError }, 'Gemini ended the interaction without completing it');
  }
  const outcome = parsed.outcome;
  const answered = (outcome.kind === 'images' || outcome.kind === 'no-image') && outcome.modelContent ? { ...outcome, interaction: { id: parsed.id, createdAt } } : outcome;
  return { kind: 'answered', outcome: answered, retries: call.retries, interactionId: parsed.id };
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
