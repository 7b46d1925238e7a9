import { buildGenerateRequest } from '../gemini/buildGenerateRequest.js';
import type { Logger } from 'pino';
import { callWithRetries, type RetriedCall } from '../gemini/callWithRetries.js';
import type { GeminiCallResult, GeminiClientOptions } from '../gemini/geminiCall.js';
import { forgetInteractions } from '../gemini/forgetInteractions.js';
import { parseGenerateResponse } from '../gemini/parseGenerateResponse.js';
import type { BlobStore } from '../store/blobStore.js';
import { failedCall, missingStoredImage, type GeminiTransport, type GeminiTurnResult, type ReplayScope, type TurnThread } from '../turn/geminiTransport.js';
import { replayWithSignatures } from './signatureReplay.js';
import { streamedRequestBody } from './streamedRequestBody.js';

/**
 * `models/{model}:streamGenerateContent` (or generateContent, as the client
 * is set): stateless, so every turn sends the whole history. The body is
 * streamed, each stored image read from the blob store only when its place
 * in the body comes; a streamed answer is assembled into one answer before
 * it is classified, so both give the same outcome and stored content.
 * Failures are retried by the policy in retryPolicy.ts.
 *
 * A streamed call that someone watches (previews on: `onPreview`) asks for
 * Gemini's thoughts, which carry its sketches; they come only when asked. A
 * model that refuses the thinking config (400 "Thinking is not enabled for
 * …") is asked again at once without it, and never asked with it again in
 * this process.
 */
export function generateContentTransport(deps: { client: GeminiClientOptions; blobs: BlobStore; retryBaseDelayMs: number; logger: Logger }): GeminiTransport {
  /** Models that answered 400 to includeThoughts, in this process. */
  const withoutThoughts = new Set<string>();
  return {
    api: 'generate-content',
    scope: generateContentScope,
    async generate(request, hooks) {
      const send = async (includeThoughts: boolean): Promise<GeminiTurnResult | RetriedCall> => {
        const contents = [...replayWithSignatures(request.history), { role: 'user' as const, parts: request.userParts }];
        const body = await streamedRequestBody(buildGenerateRequest(contents, request.settings, { search: request.search, includeThoughts }), deps.blobs);
        if (!body.ok) return missingStoredImage(body.missingBlob);
        return callWithRetries(deps.client, request.model, body.body, {
          baseDelayMs: deps.retryBaseDelayMs,
          signal: hooks.signal,
          onRetry: hooks.onRetry,
          onPreview: hooks.onPreview,
        });
      };
      const includeThoughts = deps.client.stream && hooks.onPreview !== undefined && !withoutThoughts.has(request.model);
      let call = await send(includeThoughts);
      if (includeThoughts && 'result' in call && refusesThoughts(call.result)) {
        if (!withoutThoughts.has(request.model)) {
          withoutThoughts.add(request.model);
          deps.logger.warn({ model: request.model }, 'Gemini refused includeThoughts for this model: it is asked without it from now on, and shows no sketches');
        }
        const retries = call.retries;
        call = await send(false);
        if ('result' in call) call = { ...call, retries: call.retries + retries };
      }
      if (!('result' in call)) return call;
      if (call.result.ok) return { kind: 'answered', outcome: parseGenerateResponse(call.result.json), retries: call.retries };
      return failedCall(call.result.failure, call.retries);
    },
    // A thread's turns may come from before the operator switched back from GEMINI_API=interactions.
    forget: (interactionIds, options) => forgetInteractions(deps, interactionIds, options),
  };
}

/** Stateless: whatever the turn builds on, Gemini is sent the whole conversation it continues. */
function generateContentScope(thread: TurnThread): ReplayScope {
  return { exchanges: thread.exchanges, held: false };
}

/** Gemini's 400 for a thinking config the model does not take ("Thinking is not enabled for models/…"). */
function refusesThoughts(result: GeminiCallResult): boolean {
  if (result.ok || result.failure.kind !== 'http' || result.failure.status !== 400) return false;
  return (result.failure.apiStatus === undefined || result.failure.apiStatus === 'INVALID_ARGUMENT') && /think/i.test(result.failure.message);
}
