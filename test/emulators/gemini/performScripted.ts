// What a scripted behaviour does before (or instead of) an answer, the same
// on both APIs' routes: wait (a delay, a test's release), hang, reset the
// connection, send a raw body, or fail with Google's error. The answer
// itself is each route's own.

import type { Socket } from 'node:net';
import { scriptedError, type GeminiError } from './errors.js';
import type { Behaviour } from './types.js';
import { settledBeforeClose, sleep } from './waits.js';

/** The behaviours both routes carry out alike. */
type Shared = Extract<Behaviour, { kind: 'delay' | 'held' | 'hang' | 'reset' | 'raw' | 'error' }>;
const SHARED_KINDS: ReadonlySet<string> = new Set<Shared['kind']>(['delay', 'held', 'hang', 'reset', 'raw', 'error']);

/** One request waiting for its scripted outcome. */
export interface ScriptedExchange<Answering, Failure> {
  model: string;
  socket: Socket;
  /** Aborted when the emulator closes. */
  closing: AbortSignal;
  answer(behaviour: Answering): Promise<void>;
  fail(error: Failure): void;
  sendRaw(status: number, body: string, contentType: string): void;
}

/** Carries out `behaviour`; `toFailure` puts a scripted error in the route's own error shape. */
export async function performScripted<Answering extends { kind: string }, Failure>(
  behaviour: Shared | Answering,
  exchange: ScriptedExchange<Answering, Failure>,
  toFailure: (error: GeminiError) => Failure,
): Promise<void> {
  if (!isShared(behaviour)) return exchange.answer(behaviour);
  // What follows a wait is any behaviour of the shared set: the answering ones are answers on both routes.
  const next = (then: Behaviour | undefined) => performScripted((then ?? { kind: 'image' }) as Shared | Answering, exchange, toFailure);
  switch (behaviour.kind) {
    case 'delay':
      if (await sleep(behaviour.ms, exchange.closing)) await next(behaviour.then);
      return;
    case 'held':
      if (await settledBeforeClose(behaviour.until, exchange.closing)) await next(behaviour.then);
      return;
    case 'hang':
      // Hold the request open; close() destroys the socket.
      return;
    case 'reset':
      exchange.socket.destroy();
      return;
    case 'raw':
      exchange.sendRaw(behaviour.status, behaviour.body, behaviour.contentType ?? 'text/html; charset=UTF-8');
      return;
    case 'error':
      exchange.fail(toFailure(scriptedError(behaviour.status, exchange.model, behaviour)));
      return;
  }
}

function isShared(behaviour: { kind: string }): behaviour is Shared {
  return SHARED_KINDS.has(behaviour.kind);
}
