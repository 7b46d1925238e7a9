import type { OutgoingContent, OutgoingPart } from '../conversation/outgoingParts.js';
import { streamedRequestBody } from '../conversation/streamedRequestBody.js';
import { buildGenerateRequest } from '../gemini/buildGenerateRequest.js';
import { callWithRetries, type RetryOptions } from '../gemini/callWithRetries.js';
import type { GeminiClientOptions } from '../gemini/geminiClient.js';
import type { GenerationOutcome } from '../gemini/generationOutcome.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import { parseGenerateResponse } from '../gemini/parseGenerateResponse.js';
import type { BlobStore } from '../store/blobStore.js';

/**
 * One turn as the turn asks Gemini for it. `history` is every earlier
 * exchange the turn continues, each model content exactly as Gemini sent it,
 * thought signatures included (signature replay: Gemini refuses an edit
 * whose replayed parts lack theirs); `userParts` is the new turn. Images may
 * still be in the blob store: a transport reads them as it sends.
 */
export interface GeminiTurnRequest {
  model: string;
  history: OutgoingContent[];
  userParts: OutgoingPart[];
  settings: ImageSettings;
  /** Ground the answer in Google Search results. */
  search: boolean;
}

/** How a call waits between retries, and hears of shutdown. */
export interface TurnHooks {
  signal?: AbortSignal | undefined;
  onRetry?: RetryOptions['onRetry'];
}

export type GeminiTurnResult =
  /** Gemini's answer (or why there was none), classified; its `modelContent` exactly as received, for the next replay. */
  | { kind: 'answered'; outcome: GenerationOutcome; retries: number }
  /** Our side could not send the history (a stored image missing or unreadable): the history's problem, not Gemini's. */
  | { kind: 'unsendable'; problem: string; retries: number };

/**
 * Gemini, as a turn sees it: a request in, an outcome out. generateContent
 * is the first implementation; another API (the Interactions API) is
 * another implementation, without touching the turn. Never rejects.
 */
export interface GeminiTransport {
  generate(request: GeminiTurnRequest, hooks: TurnHooks): Promise<GeminiTurnResult>;
}

/**
 * `models/{model}:generateContent`: stateless, so every turn sends the whole
 * history. The body is streamed, each stored image read from the blob store
 * only when its place in the body comes; failures are retried by the policy
 * in retryPolicy.ts.
 */
export function generateContentTransport(deps: { client: GeminiClientOptions; blobs: BlobStore; retryBaseDelayMs: number }): GeminiTransport {
  return {
    async generate(request, hooks) {
      const contents = [...request.history, { role: 'user' as const, parts: request.userParts }];
      const body = await streamedRequestBody(buildGenerateRequest(contents, request.settings, { search: request.search }), deps.blobs);
      if (!body.ok) return { kind: 'unsendable', problem: `stored image ${body.missingBlob} is missing`, retries: 0 };
      const call = await callWithRetries(deps.client, request.model, body.body, { baseDelayMs: deps.retryBaseDelayMs, signal: hooks.signal, onRetry: hooks.onRetry });
      if (call.result.ok) return { kind: 'answered', outcome: parseGenerateResponse(call.result.json), retries: call.retries };
      const failure = call.result.failure;
      // A stored image that could not be read while the body streamed: never retried, and not Gemini's fault.
      if (failure.kind === 'unsendable') return { kind: 'unsendable', problem: failure.message, retries: call.retries };
      return { kind: 'answered', outcome: { kind: 'failed', failure }, retries: call.retries };
    },
  };
}
