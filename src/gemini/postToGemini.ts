import { Readable } from 'node:stream';
import { request } from 'undici';
import type { GeminiCallResult, GeminiClientOptions } from './geminiCall.js';
import type { GeminiFailure } from './generationOutcome.js';
import { parseJsonInPieces } from './parseJsonInPieces.js';
import { RequestBodyError, type RequestBody } from './requestBody.js';

/** What differs between Gemini's two APIs once the POST is made: how an answer streams, and how an error body reads. */
export interface GeminiAnswerReader {
  /** Reads a 200 event stream up to the event that finishes the answer; a connection error is thrown, as undici throws it. */
  readStream(body: AsyncIterable<Uint8Array>): Promise<GeminiCallResult>;
  /** An HTTP error, its body as text. */
  readFailure(status: number, text: string): GeminiFailure;
}

/**
 * One POST of a JSON body to Gemini (generateContent or Interactions), the
 * one place that bounds it: the call's timeout, a stream's silence
 * (`stallMs`, from its first chunk), shutdown (`signal`), and what each
 * failure is (interrupted, unsendable, timeout, cut once the answer began,
 * network before). The key travels only in the x-goog-api-key header: a key
 * in the URL ends up in proxies' and our own logs. The body streams from the
 * blob store: a long thread's history is never one string in memory
 * (transports/streamedRequestBody.ts).
 */
export async function postToGemini(
  options: GeminiClientOptions,
  url: string,
  body: RequestBody,
  signal: AbortSignal | undefined,
  reader: GeminiAnswerReader,
): Promise<GeminiCallResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const stall = new AbortController();
  let streaming = false;
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.contentLength), 'x-goog-api-key': options.apiKey },
      body: Readable.from(body.chunks(), { objectMode: false }),
      signal: AbortSignal.any([timeout, stall.signal, ...(signal ? [signal] : [])]),
      dispatcher: options.dispatcher,
    });
    const succeeded = response.statusCode >= 200 && response.statusCode < 300;
    if (succeeded && options.stream) {
      if (!String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        await response.body.dump();
        return { ok: false, failure: { kind: 'malformed', message: 'Gemini answered with something other than an event stream' } };
      }
      streaming = true;
      return await reader.readStream(abortWhenSilent(response.body, options.stallMs, () => stall.abort()));
    }
    if (!succeeded) return { ok: false, failure: reader.readFailure(response.statusCode, await response.body.text()) };
    // Parsed as the bytes arrive, as a streamed event is: no copy of the whole body, its image apart from the text JSON.parse reads.
    const answer = parseJsonInPieces();
    for await (const chunk of response.body) answer.write(chunk as Buffer);
    const parsed = answer.end();
    return parsed.ok ? { ok: true, json: parsed.value } : { ok: false, failure: { kind: 'malformed', message: 'Gemini answered with invalid JSON' } };
  } catch (error) {
    if (signal?.aborted) return { ok: false, failure: { kind: 'interrupted' } };
    // undici passes the body stream's own error through.
    if (error instanceof RequestBodyError) return { ok: false, failure: { kind: 'unsendable', message: error.message, ...(error.storeFailed ? { storeFailed: true } : {}) } };
    if (timeout.aborted || stall.signal.aborted) return { ok: false, failure: { kind: 'timeout' } };
    const message = error instanceof Error ? error.message : String(error);
    // The connection dropped after the answer began: nothing of it is used, and the call can be made again.
    return { ok: false, failure: streaming ? { kind: 'cut', message } : { kind: 'network', message } };
  }
}

/**
 * The body as it comes, given up (`abort`) once silent for `stallMs`. The
 * clock starts at the first chunk, not at the headers: asked without its
 * drafts, Gemini may send nothing until a long render (a 4K image, over a
 * minute) is done, and only the call's own deadline bounds that wait.
 */
async function* abortWhenSilent(body: AsyncIterable<Uint8Array>, stallMs: number, abort: () => void): AsyncGenerator<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  try {
    for await (const chunk of body) {
      if (timer) timer.refresh();
      else timer = setTimeout(abort, stallMs);
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}
