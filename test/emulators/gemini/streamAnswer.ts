// Delivers a streamed answer (streamGenerateContent) chunk by chunk, as
// Google does, with the faults a test scripts (StreamScript): a connection
// cut or a clean end before the last chunk, an error chunk on the 200 stream,
// a stall until the test releases it. Two wire formats, chosen by the `alt` query parameter:
// - `alt=sse`: `text/event-stream`, each chunk one event `data: <JSON>`
//   followed by a blank line (`\r\n\r\n`), no event names, no end marker
//   (confirmed: recorded Gemini streams, @google/genai's parser, which splits
//   on \n\n, \r\r or \r\n\r\n).
// - no `alt` (or `alt=json`): the same chunks as one JSON array written
//   progressively (`application/json`), which is what Google answers without
//   alt=sse (confirmed: Google's forum "results are not streamed" without
//   ?alt=sse; assumed: the exact separators, `,\r\n` between pretty-printed objects).
// Any other `alt` is refused with 400 (assumed; the real API also speaks `alt=proto`).

import type { ServerResponse } from 'node:http';
import type { GoogleErrorBody } from './errors.js';
import type { RecordedGeminiRequest, StreamScript } from './types.js';
import { settledBeforeClose } from './waits.js';

export type StreamFormat = 'sse' | 'json-array' | 'unsupported';

export function streamFormatFor(alt: string | undefined): StreamFormat {
  if (alt === 'sse') return 'sse';
  if (alt === undefined || alt === 'json') return 'json-array';
  return 'unsupported';
}

export interface StreamDelivery {
  format: 'sse' | 'json-array';
  script: StreamScript | undefined;
  /** Gets every chunk as it is written, and how the stream ended. */
  record: RecordedGeminiRequest;
  /** Aborted when the emulator closes: a stall ends, the stream is abandoned. */
  closing: AbortSignal;
  /** The error body sent at `script.errorAfter`. */
  midStreamError?: GoogleErrorBody;
}

export async function writeStream(response: ServerResponse, chunks: unknown[], delivery: StreamDelivery): Promise<void> {
  const { format, script = {}, record, closing, midStreamError } = delivery;
  const sent: unknown[] = [];
  record.response = sent;
  record.streamEnd = 'streaming';
  if (response.destroyed) {
    record.streamEnd = 'client-gone';
    return;
  }
  // The client may leave at any time, during a stall too: the record says so at once.
  response.once('close', () => {
    if (record.streamEnd === 'streaming') record.streamEnd = 'client-gone';
  });
  response.writeHead(200, {
    'content-type': format === 'sse' ? 'text/event-stream' : 'application/json; charset=UTF-8',
    // As Google sends it on a stream (recorded by @google/genai's system tests).
    'content-disposition': 'attachment',
  });
  response.flushHeaders();

  const stallAfter = chunkCount(script.stallAfter, chunks.length);
  const cutAfter = chunkCount(script.cutAfter, chunks.length);
  for (let index = 0; index <= chunks.length; index++) {
    if (index === stallAfter) {
      script.onStall?.();
      if (script.until && !(await settledBeforeClose(script.until, closing))) return;
    }
    if (index === cutAfter) {
      // What was written reaches the client first (destroy() would drop Node's unsent buffer);
      // then the socket closes with the HTTP body unfinished.
      await flushed(response);
      record.streamEnd = 'cut';
      response.destroy();
      return;
    }
    if (index === script.errorAfter && midStreamError) {
      // The error is one more chunk; the stream ends after it (the array, too, is closed).
      if (!(await write(response, frame(format, midStreamError, index) + (format === 'json-array' ? '\n]' : '')))) return;
      sent.push(midStreamError);
      record.streamEnd = 'error';
      response.end();
      return;
    }
    if (index === script.endAfter) {
      response.end();
      record.streamEnd = 'ended';
      return;
    }
    if (index === chunks.length) break;
    const chunk = chunks[index];
    if (!(await write(response, frame(format, chunk, index)))) return;
    sent.push(chunk);
  }
  if (format === 'json-array' && !(await write(response, chunks.length === 0 ? '[]' : '\n]'))) return;
  record.streamEnd = 'complete';
  response.end();
}

/** A script's chunk count, 'end' meaning after the last of `total` chunks. */
export function chunkCount(value: number | 'end' | undefined, total: number): number | undefined {
  return value === 'end' ? total : value;
}

/** One chunk on the wire: an SSE event, or the next element of the JSON array. */
function frame(format: StreamDelivery['format'], chunk: unknown, index: number): string {
  if (format === 'sse') return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
  return `${index === 0 ? '[' : '\n,\r\n'}${JSON.stringify(chunk, null, 2)}`;
}

/** Resolves once everything written so far has been handed to the socket. */
export function flushed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (response.destroyed) return resolve();
    response.write('', () => resolve());
  });
}

/** Writes and waits for the socket to take it; false when the client is gone. */
export async function write(response: ServerResponse, text: string): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return false;
  if (response.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
  return !response.destroyed;
}
