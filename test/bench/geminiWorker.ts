// The Gemini emulator on a thread of its own (see benchGemini.ts): answers
// whatever the bench enqueues, and keeps no request it was sent for long
// (their log, 2 MB answers included, is emptied every 100 ms).
import { parentPort } from 'node:worker_threads';
import { startGeminiEmulator, type Behaviour } from '../emulators/gemini/index.js';

export type ToGeminiWorker =
  | { kind: 'enqueue'; behaviours: Behaviour[]; handshake: SharedArrayBuffer }
  | { kind: 'close' };
export type FromGeminiWorker = { kind: 'ready'; url: string; apiKey: string } | { kind: 'closed'; requests: number };

const port = parentPort;
if (!port) throw new Error('geminiWorker.ts runs as a worker thread (benchGemini.ts starts it)');
const emulator = await startGeminiEmulator();
let requests = 0;
const forget = () => {
  requests += emulator.requests.length;
  emulator.requests.length = 0;
};
port.on('message', (message: ToGeminiWorker) => {
  switch (message.kind) {
    case 'enqueue': {
      emulator.enqueue(...message.behaviours);
      // The bench thread waits on this before it sends the request the behaviours are for.
      const handshake = new Int32Array(message.handshake);
      Atomics.store(handshake, 0, 1);
      Atomics.notify(handshake, 0);
      return;
    }
    case 'close':
      forget();
      port.unref();
      void emulator.close().then(() => port.postMessage({ kind: 'closed', requests } satisfies FromGeminiWorker));
      return;
  }
});
setInterval(forget, 100).unref();
port.postMessage({ kind: 'ready', url: emulator.url, apiKey: emulator.apiKey } satisfies FromGeminiWorker);
