// A loopback stand-in for the Gemini API's generateContent,
// streamGenerateContent and Interactions API, strict where Google is strict
// (API key, field names, images, thought signatures), for the bot's tests:
// point GEMINI_API_URL at `emulator.url`, script what the model does with
// `enqueue`, and inspect what the bot sent in `requests` (generateContent)
// and `interactions.requests`.

import type { AddressInfo } from 'node:net';
import { interactionsHandle } from './interactionsHandle.js';
import { newInteractionsState } from './interactionsStore.js';
import { readImageInfo } from './jpeg.js';
import { createGeminiServer, type EmulatorState } from './server.js';
import type { Behaviour, GeminiEmulator, GeminiEmulatorOptions } from './types.js';

export type {
  Behaviour,
  CaseStyle,
  GeminiEmulator,
  GeminiEmulatorOptions,
  ImageDamage,
  RecordedGeminiRequest,
  StreamScript,
} from './types.js';
export type { ImageInfo } from './jpeg.js';
export type { ImageOptionRange } from './modelImageOptions.js';
export type {
  InteractionBehaviour,
  InteractionStatus,
  InteractionStep,
  InteractionsEmulator,
  RecordedInteractionRequest,
  SafetyStyle,
  StoredInteractionView,
} from './interactionsTypes.js';

/** A `held` behaviour and the function that releases it: `enqueue(held.behaviour)`, then `held.release()` on the event. */
export function heldAnswer(then?: Behaviour): { behaviour: Behaviour; release: () => void } {
  let release!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  return { behaviour: then ? { kind: 'held', until, then } : { kind: 'held', until }, release };
}

/**
 * A streamed answer that stops after `afterChunks` chunks until `release()`:
 * `enqueue(stalled.behaviour)`, wait for what the bot shows (or `stalled.reached`,
 * which resolves once those chunks are written), then `stalled.release()`.
 */
export function stalledStream(
  afterChunks: number,
  answer: Extract<Behaviour, { kind: 'image' | 'text-only' | 'finish' }> = { kind: 'image' },
): { behaviour: Behaviour; release: () => void; reached: Promise<void> } {
  let release!: () => void;
  let reach!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const behaviour = { ...answer, stream: { ...answer.stream, stallAfter: afterChunks, until, onStall: reach } };
  return { behaviour, release, reached };
}

export const DEFAULT_API_KEY = 'test-gemini-key';
export const DEFAULT_MODELS = ['gemini-3-pro-image', 'gemini-3.1-flash-image'];

export async function startGeminiEmulator(options: GeminiEmulatorOptions = {}): Promise<GeminiEmulator> {
  const state: EmulatorState = {
    apiKey: options.apiKey ?? DEFAULT_API_KEY,
    models: options.models ?? DEFAULT_MODELS,
    imageOptions: options.imageOptions ?? {},
    caseStyle: options.caseStyle ?? 'camel',
    withoutThinking: options.withoutThinking ?? [],
    queue: [],
    requests: [],
    serial: 0,
    interactions: newInteractionsState(options.interactionRetentionMs),
    closing: new AbortController(),
  };
  const server = createGeminiServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the OS picks a free port, so parallel test files never collide.
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1beta`,
    apiKey: state.apiKey,
    requests: state.requests,
    enqueue: (...behaviours) => {
      state.queue.push(...behaviours);
    },
    setCaseStyle: (style) => {
      state.caseStyle = style;
    },
    imageInfo: readImageInfo,
    interactions: interactionsHandle(state.interactions),
    close: async () => {
      state.closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hung and delayed requests hold their sockets open; end them so close() returns.
      server.closeAllConnections();
      await closed;
    },
  };
}
