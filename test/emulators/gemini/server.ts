// The HTTP edge of the emulator: two routes, POST
// /v1beta/models/{model}:generateContent and :streamGenerateContent (the
// Interactions API's /v1beta/interactions lives in interactionsRoute.ts), checked
// in the order Google checks them (payload size, API key, model, body), then
// answered with the next scripted behaviour, whole or streamed (streamAnswer.ts).
// Every call is recorded, rejected or not, so tests can assert on exactly
// what the bot sent.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { toSnakeCaseKeys } from './caseStyle.js';
import {
  apiKeyInQuery,
  googleError,
  invalidApiKey,
  invalidArgument,
  missingApiKey,
  scriptedError,
  unknownMethod,
  unknownModel,
  type GeminiError,
} from './errors.js';
import { handleInteractions, INTERACTIONS_ROUTE } from './interactionsRoute.js';
import type { InteractionsState } from './interactionsStore.js';
import { buildAnswer, buildStreamedAnswer, type AnsweringBehaviour } from './responses.js';
import { streamFormatFor, writeStream, type StreamFormat } from './streamAnswer.js';
import type { Behaviour, CaseStyle, RecordedGeminiRequest } from './types.js';
import { validateRequest } from './validateRequest.js';
import { performScripted } from './performScripted.js';
import { imageOptionsOf, type ImageOptionRange } from './modelImageOptions.js';

/** FACTS: Google raised the inline request limit to 100 MB in January 2026. */
export const MAX_REQUEST_BYTES = 100 * 1024 * 1024;

const ROUTE = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/** Mutable state shared by the server and the GeminiEmulator handle. */
export interface EmulatorState {
  apiKey: string;
  models: readonly string[];
  /** What models take beyond (or instead of) modelImageOptions.ts's facts. */
  imageOptions: Readonly<Record<string, ImageOptionRange>>;
  caseStyle: CaseStyle;
  /** Models that refuse a thinking config (GeminiEmulatorOptions.withoutThinking). */
  withoutThinking: readonly string[];
  queue: Behaviour[];
  requests: RecordedGeminiRequest[];
  serial: number;
  /** The Interactions API's stored interactions, its own queue and records (interactionsRoute.ts). */
  interactions: InteractionsState;
  /** Aborted on close, to end delays and hung requests. */
  closing: AbortController;
}

export function createGeminiServer(state: EmulatorState): Server {
  return createServer((request, response) => {
    handle(state, request, response).catch((error: unknown) => {
      // The client gave up sending its body (as Google's front end sees it): nobody is left to answer.
      if (request.destroyed || (error as { code?: string }).code === 'ECONNRESET') return;
      // A bug in the emulator itself: say so loudly rather than hang the test.
      console.error('gemini emulator: internal failure', error);
      if (!response.headersSent) send(response, googleError(500, `Emulator failure: ${String(error)}`));
    });
  });
}

async function handle(state: EmulatorState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://emulator.invalid');
  const interactions = INTERACTIONS_ROUTE.exec(url.pathname);
  if (interactions) return handleInteractions(state, request, response, url, interactions[1]);
  const route = ROUTE.exec(url.pathname);
  if (request.method !== 'POST' || !route) {
    request.resume();
    send(response, unknownMethod());
    return;
  }
  const model = decodeURIComponent(route[1] as string);
  const method = route[2] as RecordedGeminiRequest['method'];
  const alt = url.searchParams.get('alt') ?? undefined;
  const record: RecordedGeminiRequest = { method, model, headers: request.headers, body: undefined, status: 0, receivedAt: new Date() };
  if (alt !== undefined) record.alt = alt;
  state.requests.push(record);
  const format: StreamFormat | undefined = method === 'streamGenerateContent' ? streamFormatFor(alt) : undefined;
  const reply = (answer: GeminiError | { httpStatus: 200; body: unknown }): void => {
    record.status = answer.httpStatus;
    record.response = answer.body;
    // The stream method answers its errors with the stream's content type (a recorded
    // 404 from Google: text/event-stream, the JSON error as the whole body).
    send(response, answer, format === 'sse' ? 'text/event-stream' : undefined);
  };

  const raw = await readBody(request, MAX_REQUEST_BYTES);
  if (raw === undefined) return reply(invalidArgument(`Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`));
  const body = parseJson(raw);
  record.body = body;

  // Google authenticates before it looks at the model or the body.
  const refusal = checkCaller(state, url, request.headers['x-goog-api-key']) ?? checkModel(state, model);
  if (refusal) return reply(refusal);
  if (format === 'unsupported') return reply(invalidArgument(`Invalid value at 'alt' (alt), "${alt ?? ''}"`));
  if (body === undefined) return reply(invalidArgument('Invalid JSON payload received. Unexpected token.'));

  const validation = validateRequest(body, imageOptionsOf(model, state.imageOptions));
  if (!validation.ok) return reply(validation.error);
  if (state.withoutThinking.includes(model) && validation.request.generationConfig?.thinkingConfig?.includeThoughts === true) {
    // As Google answers for an image model that does not think (third-party reports of gemini-2.5-flash-image).
    return reply(invalidArgument(`Thinking is not enabled for models/${model}`));
  }

  const context = { model, request: validation.request, nextSerial: () => ++state.serial };
  const inCase = (value: unknown): unknown => (state.caseStyle === 'snake' ? toSnakeCaseKeys(value) : value);
  await performScripted<AnsweringBehaviour, GeminiError>(state.queue.shift() ?? { kind: 'image' }, {
    model,
    socket: request.socket,
    closing: state.closing.signal,
    answer: async (behaviour) => {
      if (format === 'sse' || format === 'json-array') {
        const chunks = buildStreamedAnswer(behaviour, context).map(inCase);
        record.status = 200;
        const script = behaviour.stream;
        const midStreamError = script?.errorAfter === undefined ? undefined : scriptedError(script.errorStatus ?? 503, model, {}).body;
        await writeStream(response, chunks, { format, script, record, closing: state.closing.signal, midStreamError });
        return;
      }
      reply({ httpStatus: 200, body: inCase(buildAnswer(behaviour, context)) });
    },
    fail: reply,
    sendRaw: (status, text, contentType) => {
      record.status = status;
      record.response = text;
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
      response.end(text);
    },
  }, (error) => error);
}

function checkCaller(state: EmulatorState, url: URL, key: string | string[] | undefined): GeminiError | undefined {
  if (url.searchParams.has('key')) return apiKeyInQuery();
  if (key === undefined || key === '') return missingApiKey();
  if (key !== state.apiKey) return invalidApiKey();
  return undefined;
}

function checkModel(state: EmulatorState, model: string): GeminiError | undefined {
  return state.models.includes(model) ? undefined : unknownModel(model);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Reads the whole body, or returns undefined once it passes `limit`. An
 * oversized body is still drained, so the client gets the 400 instead of a
 * broken pipe halfway through its upload.
 */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size <= limit ? Buffer.concat(chunks) : undefined;
}

function send(response: ServerResponse, answer: { httpStatus: number; body: unknown }, contentType = 'application/json; charset=UTF-8'): void {
  if (response.destroyed) return;
  const payload = JSON.stringify(answer.body, null, 2);
  response.writeHead(answer.httpStatus, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}
