// The HTTP edge of the Interactions API: POST /v1beta/interactions (create,
// whole or streamed: interactionsStream.ts),
// GET and DELETE /v1beta/interactions/{id} (confirmed routes: the SDK's
// `/{api_version}/interactions[/{id}]`; DELETE answers 200 with an empty
// body). A POST is checked in the order Google's front end would (payload
// size, API key, JSON, model, body, previous_interaction_id), then answered
// with the next scripted behaviour. Every call is recorded, rejected or not,
// with the bytes it carried, so tests can assert on exactly what the bot sent.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiKeyInQuery, invalidApiKey, missingApiKey, scriptedError } from './errors.js';
import {
  answerInteraction,
  interactionBody,
  type AnsweringInteractionBehaviour,
  type InteractionAnswer,
  type InteractionEnvelope,
} from './interactionsAnswer.js';
import {
  fromGoogleError,
  interactionsError,
  invalidRequest,
  methodNotFound,
  unknownInteraction,
  type InteractionsError,
} from './interactionsErrors.js';
import { emulatorNow, newInteractionId, usableInteraction } from './interactionsStore.js';
import { interactionEvents, writeInteractionStream } from './interactionsStream.js';
import type { Step } from './interactionsRequest.js';
import type { InteractionBehaviour, RecordedInteractionRequest } from './interactionsTypes.js';
import type { EmulatorState } from './server.js';
import { imageOptionsOf } from './modelImageOptions.js';
import { validateInteraction, type InteractionValidation } from './validateInteraction.js';
import { performScripted } from './performScripted.js';

export const INTERACTIONS_ROUTE = /^\/v1beta\/interactions(?:\/([^/]+))?$/;

/** FACTS: Google raised the inline request limit to 100 MB in January 2026 (assumed to hold here too). */
const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

export async function handleInteractions(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  id: string | undefined,
): Promise<void> {
  const method = request.method === 'GET' || request.method === 'DELETE' || request.method === 'POST' ? request.method : undefined;
  const record: RecordedInteractionRequest = {
    method: method ?? 'POST',
    headers: request.headers,
    body: undefined,
    bytes: 0,
    status: 0,
    responseBytes: 0,
    deprecated: [],
    receivedAt: new Date(),
  };
  if (id !== undefined) record.interactionId = decodeURIComponent(id);
  state.interactions.requests.push(record);
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    record.status = status;
    record.response = body;
    record.responseBytes = sendJson(response, status, body, headers);
  };
  const fail = (error: InteractionsError): void => reply(error.httpStatus, error.body);

  const raw = await readBody(request, MAX_REQUEST_BYTES);
  record.bytes = raw.bytes;
  if ((method === 'POST') !== (id === undefined) || method === undefined) return fail(methodNotFound());
  if (raw.body === undefined) return fail(invalidRequest(`Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`));
  const refusal = checkCaller(state, url, request.headers['x-goog-api-key']);
  if (refusal) return fail(refusal);
  if (method === 'GET') return getInteraction(state, record.interactionId as string, reply, fail);
  if (method === 'DELETE') {
    const hold = state.interactions.deleteHold;
    state.interactions.deleteHold = undefined;
    if (hold) {
      hold.arrived(record.interactionId as string);
      await Promise.race([hold.released, new Promise((resolve) => state.closing.signal.addEventListener('abort', resolve, { once: true }))]);
    }
    const holds = state.interactions.deleteHolds;
    if (holds) {
      const id = record.interactionId as string;
      holds.waiting.push(id);
      await Promise.race([holds.released, new Promise((resolve) => state.closing.signal.addEventListener('abort', resolve, { once: true }))]);
      holds.waiting.splice(holds.waiting.indexOf(id), 1);
    }
    const failure = state.interactions.deleteFailures.shift();
    if (failure !== undefined) {
      // A 429 as a call's (RESOURCE_EXHAUSTED, its QuotaFailure, RetryInfo when scripted); any other status plainly.
      const error = failure.status === 429
        ? fromGoogleError(scriptedError(429, 'interactions', { retryDelay: failure.retryDelay }))
        : interactionsError(failure.status, 'The service is currently unavailable.');
      return reply(error.httpStatus, error.body, failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter });
    }
    return deleteInteraction(state, record.interactionId as string, reply, fail);
  }

  const body = parseJson(raw.body);
  record.body = body;
  if (body === undefined) return fail(invalidRequest('Invalid JSON payload received. Unexpected token.'));
  const model = (body as { model?: unknown }).model;
  if (typeof model === 'string' && !state.models.includes(model)) {
    return fail(interactionsError(404, `models/${model} is not found for API version v1beta, or is not supported for interactions.`));
  }
  // Each model has its own aspect ratios and sizes (modelImageOptions.ts, shared with generateContent).
  const validation = validateInteraction(body, imageOptionsOf(String(model), state.imageOptions));
  if (!validation.ok) return fail(validation.error);
  record.deprecated = validation.deprecated;
  const previousId = validation.request.previous_interaction_id;
  const previous = previousId === undefined ? undefined : usableInteraction(state.interactions, previousId);
  if (previousId !== undefined && !previous) return fail(unknownInteraction(previousId, state.interactions.unknownIdStatus, state.interactions.unknownIdWording));

  const behaviour = state.interactions.queue.shift() ?? state.queue.shift() ?? { kind: 'image' };
  await performScripted<AnsweringInteractionBehaviour, InteractionsError>(behaviour, {
    model: validation.request.model,
    socket: request.socket,
    closing: state.closing.signal,
    answer: async (answering) => {
      const interactionId = newInteractionId();
      record.interactionId = interactionId;
      const { envelope, answer } = create(state, interactionId, validation, previous?.history ?? [], answering);
      if (validation.request.stream !== true) return reply(200, interactionBody(envelope, answer));
      record.status = 200;
      const script = 'stream' in answering ? answering.stream : undefined;
      await writeInteractionStream(response, interactionEvents(envelope, answer), {
        script,
        record,
        closing: state.closing.signal,
        midStreamError: fromGoogleError(scriptedError(script?.errorStatus ?? 503, validation.request.model, {})),
      });
    },
    fail,
    sendRaw: (status, text, contentType) => {
      record.status = status;
      record.response = text;
      record.responseBytes = Buffer.byteLength(text);
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
      response.end(text);
    },
  }, fromGoogleError);
}

/** Answers a validated POST and stores it unless the request said store: false (a stream is stored as it starts). */
function create(
  state: EmulatorState,
  id: string,
  validation: Extract<InteractionValidation, { ok: true }>,
  earlier: readonly Step[],
  behaviour: AnsweringInteractionBehaviour,
): { envelope: InteractionEnvelope; answer: InteractionAnswer } {
  const { request, output } = validation;
  const history = [...earlier, ...request.input];
  const answer = answerInteraction(behaviour, {
    request,
    output,
    history,
    safetyStyle: state.interactions.safetyStyle,
    nextSerial: () => ++state.serial,
  });
  const createdAt = emulatorNow(state.interactions);
  const envelope: InteractionEnvelope = { id, model: request.model, created: new Date(createdAt), previousInteractionId: request.previous_interaction_id };
  if (request.store !== false) {
    state.interactions.stored.set(id, {
      id,
      model: request.model,
      previousInteractionId: request.previous_interaction_id,
      status: answer.status,
      input: request.input,
      output: answer.steps,
      history: [...history, ...answer.steps],
      usage: answer.usage,
      createdAt,
      expiredByTest: false,
    });
  }
  return { envelope, answer };
}

function getInteraction(state: EmulatorState, id: string, reply: (status: number, body: unknown) => void, fail: (error: InteractionsError) => void): void {
  const stored = usableInteraction(state.interactions, id);
  // A GET names its interaction in the path: an unknown one is a 404 whatever setUnknownIdStatus says.
  if (!stored) return fail(unknownInteraction(id, 404));
  const envelope = { id, model: stored.model, created: new Date(stored.createdAt), previousInteractionId: stored.previousInteractionId };
  const answer = { status: stored.status, steps: stored.output, usage: stored.usage };
  // Confirmed (Google's May 2026 migration guide): GET returns the whole timeline, the user_input steps included.
  reply(200, interactionBody(envelope, answer, [...stored.input, ...stored.output]));
}

function deleteInteraction(state: EmulatorState, id: string, reply: (status: number, body: unknown) => void, fail: (error: InteractionsError) => void): void {
  const stored = usableInteraction(state.interactions, id);
  state.interactions.stored.delete(id);
  if (!stored) return fail(unknownInteraction(id, 404));
  reply(200, {});
}

function checkCaller(state: EmulatorState, url: URL, key: string | string[] | undefined): InteractionsError | undefined {
  if (url.searchParams.has('key')) return fromGoogleError(apiKeyInQuery());
  if (key === undefined || key === '') return fromGoogleError(missingApiKey());
  if (key !== state.apiKey) return fromGoogleError(invalidApiKey());
  return undefined;
}

function parseJson(raw: Buffer): unknown {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the whole body and counts its bytes; the body is undefined once it
 * passes `limit`. An oversized body is still drained, so the client gets the
 * 400 instead of a broken pipe halfway through its upload.
 */
async function readBody(request: IncomingMessage, limit: number): Promise<{ body: Buffer | undefined; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= limit) chunks.push(chunk);
  }
  return { body: bytes <= limit ? Buffer.concat(chunks) : undefined, bytes };
}

/** Sends `body` as JSON and returns how many bytes that was. */
function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  const payload = JSON.stringify(body);
  const bytes = Buffer.byteLength(payload);
  if (response.destroyed) return 0;
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': bytes, ...headers });
  response.end(payload);
  return bytes;
}
