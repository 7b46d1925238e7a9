import { streamedRequestBody } from '../conversation/streamedRequestBody.js';
import { buildGenerateRequest } from '../gemini/buildGenerateRequest.js';
import { callWithRetries } from '../gemini/callWithRetries.js';
import type { GeminiClientOptions } from '../gemini/geminiClient.js';
import { parseGenerateResponse } from '../gemini/parseGenerateResponse.js';
import type { BlobStore } from '../store/blobStore.js';
import type { GeminiTransport } from './geminiTransport.js';

/**
 * `models/{model}:streamGenerateContent` (or generateContent, as the client
 * is set): stateless, so every turn sends the whole history. The body is
 * streamed, each stored image read from the blob store only when its place
 * in the body comes; a streamed answer is assembled into one answer before
 * it is classified, so both give the same outcome and stored content.
 * Failures are retried by the policy in retryPolicy.ts.
 */
export function generateContentTransport(deps: { client: GeminiClientOptions; blobs: BlobStore; retryBaseDelayMs: number }): GeminiTransport {
  return {
    api: 'generate-content',
    async generate(request, hooks) {
      const contents = [...request.history, { role: 'user' as const, parts: request.userParts }];
      const body = await streamedRequestBody(buildGenerateRequest(contents, request.settings, { search: request.search }), deps.blobs);
      if (!body.ok) return { kind: 'unsendable', problem: 'a stored image is missing', missingBlob: body.missingBlob, retries: 0 };
      const call = await callWithRetries(deps.client, request.model, body.body, {
        baseDelayMs: deps.retryBaseDelayMs,
        signal: hooks.signal,
        onRetry: hooks.onRetry,
        onPreview: hooks.onPreview,
      });
      if (call.result.ok) return { kind: 'answered', outcome: parseGenerateResponse(call.result.json), retries: call.retries };
      const failure = call.result.failure;
      // A stored image that could not be read while the body streamed: never retried, and not Gemini's fault.
      // The store did not answer: the history is intact, so the member is told and tries again; nothing starts afresh.
      if (failure.kind === 'unsendable' && !failure.storeFailed) return { kind: 'unsendable', problem: failure.message, retries: call.retries };
      return { kind: 'answered', outcome: { kind: 'failed', failure }, retries: call.retries };
    },
  };
}
