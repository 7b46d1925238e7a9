import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInteractionRequest } from '../../src/gemini/buildInteractionRequest.js';
import type { GeminiFailure } from '../../src/gemini/generationOutcome.js';
import { createInteraction } from '../../src/gemini/interactionsClient.js';
import type { RequestBody } from '../../src/gemini/requestBody.js';
import { decideRetry } from '../../src/gemini/retryPolicy.js';
import { startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';

/** The Interactions client against the emulator on loopback, which sends the error bodies each test writes. */
let gemini: GeminiEmulator;
beforeAll(async () => {
  gemini = await startGeminiEmulator();
});
afterAll(() => gemini.close());

const MODEL = 'gemini-3-pro-image';
const perDay = { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel' }] };

/** What the client makes of one call Gemini answers with `status` and `body`. */
async function failureOf(status: number, body: string, contentType: string): Promise<GeminiFailure> {
  gemini.enqueue({ kind: 'raw', status, body, contentType });
  const bytes = Buffer.from(JSON.stringify(buildInteractionRequest([{ type: 'user_input', content: [{ type: 'text', text: 'a fox' }] }], { model: MODEL, settings: {}, search: false }, { stream: true, drafts: true })));
  const request: RequestBody = {
    contentLength: bytes.length,
    async *chunks() {
      yield bytes;
    },
  };
  const result = await createInteraction({ apiUrl: gemini.url, apiKey: gemini.apiKey, timeoutMs: 10_000, stream: true, stallMs: 10_000 }, MODEL, request);
  if (result.ok) throw new Error('the call succeeded');
  return result.failure;
}

/** A 200 stream that begins an interaction, then says it failed (an `error` event, which has no HTTP status of its own). */
const streamError = (error: Record<string, unknown>) =>
  failureOf(200, [{ event_type: 'interaction.created', interaction: { id: 'v1_failing', status: 'in_progress' } }, { event_type: 'error', error }].map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''), 'text/event-stream');

/** What the retry policy makes of a failure on the first attempt. */
const retried = (failure: GeminiFailure) => decideRetry(failure, 1, 1, () => 0.5).retry;

describe('Interactions errors inside a stream: the status their code names', () => {
  it.each([
    { code: 'https://ai.google.dev/errors/resource_exhausted', details: [perDay], status: 429, apiStatus: 'RESOURCE_EXHAUSTED', retry: false },
    { code: 'https://ai.google.dev/errors/invalid_argument', status: 400, apiStatus: 'INVALID_ARGUMENT', retry: false },
    { code: 'type.googleapis.com/google.rpc.Code/UNAVAILABLE', status: 503, apiStatus: 'UNAVAILABLE', retry: true },
    { code: 'unavailable', status: 503, apiStatus: 'UNAVAILABLE', retry: true },
    { code: 'https://ai.google.dev/errors/resource_exhausted#quota', status: 429, apiStatus: 'RESOURCE_EXHAUSTED', retry: true },
  ])('$code: $status, retried: $retry', async ({ code, details, status, apiStatus, retry }) => {
    const failure = await streamError({ code, message: 'it failed', ...(details ? { details } : {}) });
    expect(failure).toMatchObject({ kind: 'http', status, apiStatus, message: 'it failed' });
    expect(retried(failure)).toBe(retry);
  });

  it('an unknown code: shown as Gemini in trouble, never retried (it may be a quota or an invalid argument)', async () => {
    const failure = await streamError({ code: 'https://ai.google.dev/errors/something_new', message: 'new' });
    expect(failure).toMatchObject({ kind: 'http', status: 500, apiStatus: 'SOMETHING_NEW', statusGuessed: true });
    expect(retried(failure)).toBe(false);
    expect(retried(await streamError({ unexpected: true }))).toBe(false);
  });

  it('an HTTP error keeps its HTTP status, whatever its code says, and is retried by it', async () => {
    const failure = await failureOf(503, JSON.stringify({ error: { code: 'https://ai.google.dev/errors/something_new', message: 'busy' } }), 'application/json');
    expect(failure).toMatchObject({ status: 503, apiStatus: 'SOMETHING_NEW' });
    expect(retried(failure)).toBe(true);
  });
});

describe('Interactions answers that are not what was asked for', () => {
  it('a 200 that is not an event stream, asked for one: malformed, and not asked again (it would be billed again)', async () => {
    const whole = JSON.stringify({ id: 'v1_whole', status: 'completed', steps: [] });
    const failure = await failureOf(200, whole, 'application/json');
    expect(failure).toEqual({ kind: 'malformed', message: 'Gemini answered with something other than an event stream' });
    expect(retried(failure)).toBe(false);
    expect(retried(await failureOf(200, '<html>a proxy page</html>', 'text/html'))).toBe(false);
  });
});
