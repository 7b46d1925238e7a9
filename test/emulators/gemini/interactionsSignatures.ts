// Thought signatures in the Interactions API sit on `thought` steps
// (confirmed: ThoughtStep.signature in Google's SDK types; FACTS: a stateless
// request replays the whole history as steps, thought steps with their
// signatures exactly as received). How Google checks them is not documented.
// The emulator ASSUMES the strictest plausible rule, the one its
// generateContent side applies: a model turn (the steps between two
// user_input steps) is accepted back only exactly as it was issued. The
// signature on the turn's first thought step is an HMAC over every step of
// the turn (that signature itself left out), so an edited text, image or
// citation, a dropped, added or reordered step, a moved signature all fail
// with "Corrupted thought signature."; a turn without a signed thought step
// fails as missing its signature. Search call and result steps carry their
// own signatures (confirmed field), HMACs over the step itself.
//
// Like the generateContent signatures these are stateless: any emulator
// instance verifies any signature, and key order does not matter.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';
import { invalidRequest, type InteractionsError } from './interactionsErrors.js';
import type { Step } from './interactionsRequest.js';

// A fixed secret: history stored by one test run still verifies on the next.
const SECRET = 'gemini-emulator-interaction-signature-v1';
// Two marker bytes make a corrupted or foreign signature recognisable as such.
const MARKER = Buffer.from([0x12, 0x2f]);
const NONCE_BYTES = 14;
const MAC_BYTES = 32;

function sign(value: unknown): string {
  const nonce = randomBytes(NONCE_BYTES);
  return Buffer.concat([MARKER, nonce, mac(nonce, value)]).toString('base64');
}

function verify(value: unknown, signature: string): boolean {
  const raw = Buffer.from(signature, 'base64');
  if (raw.length !== MARKER.length + NONCE_BYTES + MAC_BYTES || !raw.subarray(0, MARKER.length).equals(MARKER)) return false;
  const nonce = raw.subarray(MARKER.length, MARKER.length + NONCE_BYTES);
  return timingSafeEqual(raw.subarray(MARKER.length + NONCE_BYTES), mac(nonce, value));
}

function mac(nonce: Buffer, value: unknown): Buffer {
  return createHmac('sha256', SECRET).update(nonce).update(canonicalJson(value)).digest();
}

function withoutSignature<T extends Step>(step: T): T {
  if (!('signature' in step)) return step;
  const { signature: _removed, ...rest } = step;
  return rest as T;
}

function isSearchStep(step: Step): boolean {
  return step.type === 'google_search_call' || step.type === 'google_search_result';
}

/** Signs one model turn as the model issues it: its search steps, then its first thought step over the whole turn. */
export function signTurn(turn: readonly Step[]): Step[] {
  const signed = turn.map((step) => (isSearchStep(step) ? { ...step, signature: sign(withoutSignature(step)) } : step));
  const thought = signed.findIndex((step) => step.type === 'thought');
  if (thought < 0) return signed;
  const signature = sign(signed.map((step, index) => (index === thought ? withoutSignature(step) : step)));
  return signed.map((step, index) => (index === thought ? { ...step, signature } : step));
}

/** The model turns of `input` (runs of steps between user_input steps), as [start, end) indexes. */
export function modelTurns(input: readonly Step[]): Array<[number, number]> {
  const turns: Array<[number, number]> = [];
  let start = -1;
  for (const [index, step] of input.entries()) {
    if (step.type === 'user_input') {
      if (start >= 0) turns.push([start, index]);
      start = -1;
    } else if (start < 0) {
      start = index;
    }
  }
  if (start >= 0) turns.push([start, input.length]);
  return turns;
}

/** Checks every model turn of a stateless history; the first problem found, as Google would answer it. */
export function checkTurnSignatures(input: readonly Step[]): InteractionsError | undefined {
  for (const [start, end] of modelTurns(input)) {
    const turn = input.slice(start, end);
    const thought = turn.findIndex((step) => step.type === 'thought');
    if (thought < 0) {
      return invalidRequest(`The model turn at input[${start}] has no thought step: its thought signature is missing.`);
    }
    const signature = (turn[thought] as Extract<Step, { type: 'thought' }>).signature;
    if (signature === undefined) return invalidRequest(`Thought step input[${start + thought}] is missing a signature.`);
    if (!verify(turn.map((step, index) => (index === thought ? withoutSignature(step) : step)), signature)) {
      return invalidRequest('Corrupted thought signature.');
    }
    for (const step of turn) {
      if (!isSearchStep(step) || !('signature' in step) || step.signature === undefined) continue;
      if (!verify(withoutSignature(step), step.signature)) return invalidRequest('Corrupted thought signature.');
    }
  }
  return undefined;
}
