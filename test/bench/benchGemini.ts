import { once } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GeminiEmulator } from '../emulators/gemini/index.js';
import type { FromGeminiWorker, ToGeminiWorker } from './geminiWorker.js';

/** What the bench uses of the Gemini emulator: its address, the answers to give, the log it empties, close. */
export type BenchGemini = Pick<GeminiEmulator, 'url' | 'apiKey' | 'enqueue' | 'requests' | 'close'>;

/** Longer than any answer the emulator can be busy building when asked to queue the next. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The Gemini emulator on a worker thread, for the bot apart: building,
 * signing and serializing a 2 MB answer takes the emulator 20 to 50 ms of
 * its event loop, which on the bench's own thread would hold up the Discord
 * emulator (an acknowledgement waiting behind another turn's answer would be
 * timed as the bot's). Discord does not wait for Gemini; each gets a thread.
 * `enqueue` returns once the worker has queued the behaviours, so the
 * request they are for can never find the queue empty. `requests` stays
 * empty: the worker keeps no log (the bench inspects none).
 */
export async function startGeminiInWorker(): Promise<BenchGemini> {
  const worker = new Worker(path.join(import.meta.dirname, 'geminiWorker.js'));
  const [ready] = (await once(worker, 'message')) as [FromGeminiWorker];
  if (ready.kind !== 'ready') throw new Error(`the Gemini worker said ${ready.kind} before it was ready`);
  let enqueued = 0;
  const send = (message: ToGeminiWorker) => worker.postMessage(message);
  return {
    url: ready.url,
    apiKey: ready.apiKey,
    enqueue(...behaviours) {
      const handshake = new SharedArrayBuffer(4);
      send({ kind: 'enqueue', behaviours, handshake });
      if (Atomics.wait(new Int32Array(handshake), 0, 0, HANDSHAKE_TIMEOUT_MS) === 'timed-out') throw new Error('the Gemini worker did not queue the answers in time');
      enqueued += behaviours.length;
    },
    requests: [],
    async close() {
      send({ kind: 'close' });
      const [closed] = (await once(worker, 'message')) as [FromGeminiWorker];
      await worker.terminate();
      // More requests than answers queued: some were answered with the emulator's default, not what the bench measures.
      if (closed.kind === 'closed' && closed.requests > enqueued) throw new Error(`the Gemini emulator answered ${closed.requests} requests, ${enqueued} queued`);
    },
  };
}
