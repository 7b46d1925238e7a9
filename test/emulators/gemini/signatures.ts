// Gemini 3 image models sign their answers: a `thoughtSignature` sits on the
// first non-thought part after the thoughts and on every image part, and a
// later request that replays the model's turn must carry each one unchanged,
// on an unchanged part, or it fails with 400 INVALID_ARGUMENT. Real signatures
// are opaque; ours are an HMAC over the part itself, so any emulator instance
// can check them without remembering what it sent, and any edit to the text,
// the image bytes or the mimeType breaks them. Key case does not matter (the
// part is normalised to camelCase before signing), so a replay in snake_case
// verifies as the API's does.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidField, type GeminiError } from './errors.js';
import type { RequestContent, RequestPart } from './requestSchema.js';

// A fixed secret: a conversation stored by one test run still verifies on the next.
const SECRET = 'gemini-emulator-thought-signature-v1';
// Two marker bytes make a corrupted or foreign signature recognisable as such.
const MARKER = Buffer.from([0x12, 0x2e]);
const NONCE_BYTES = 14;
const MAC_BYTES = 32;

/** Signs a part; `part` must use camelCase field names and carry no signature. */
export function signPart(part: RequestPart): string {
  const nonce = randomBytes(NONCE_BYTES);
  return Buffer.concat([MARKER, nonce, mac(nonce, part)]).toString('base64');
}

/** True when `signature` was made by signPart for exactly this part (its own signature ignored). */
export function verifyPart(part: RequestPart, signature: string): boolean {
  const raw = Buffer.from(signature, 'base64');
  if (raw.length !== MARKER.length + NONCE_BYTES + MAC_BYTES || !raw.subarray(0, MARKER.length).equals(MARKER)) {
    return false;
  }
  const nonce = raw.subarray(MARKER.length, MARKER.length + NONCE_BYTES);
  return timingSafeEqual(raw.subarray(MARKER.length + NONCE_BYTES), mac(nonce, part));
}

function mac(nonce: Buffer, part: RequestPart): Buffer {
  const { thoughtSignature: _ignored, ...unsigned } = part;
  return createHmac('sha256', SECRET).update(nonce).update(canonicalJson(unsigned)).digest();
}

/** JSON with object keys sorted, so equal parts serialise identically. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const HELP = ' Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.';

/**
 * Checks every model turn of a request the way Gemini 3 image models do: the
 * first non-thought part and every non-thought image part must be signed, and
 * every signature present must match its part. A model turn is a run of
 * consecutive model contents taken as one (Google's JS SDK records a streamed
 * answer as one model content per chunk). Positions in messages are 1-based,
 * like Google's ("content position 2, part position 1").
 */
export function checkThoughtSignatures(contents: readonly RequestContent[]): GeminiError | undefined {
  for (const turn of modelTurns(contents)) {
    const firstAnswer = turn.find(({ part }) => part.thought !== true);
    for (const { part, contentIndex, partIndex } of turn) {
      const field = `contents[${contentIndex}].parts[${partIndex}].thought_signature`;
      const position = `content position ${contentIndex + 1}, part position ${partIndex + 1}`;
      const isImage = part.inlineData !== undefined && part.thought !== true;
      if (part.thoughtSignature === undefined) {
        if (isImage) return invalidField(field, `Image part is missing a thought_signature in ${position}.${HELP}`);
        if (part === firstAnswer?.part) {
          return invalidField(field, `${partKind(part)} part is missing a thought_signature in ${position}.${HELP}`);
        }
        continue;
      }
      if (!verifyPart(part, part.thoughtSignature)) {
        // Google says only "Corrupted thought signature."; the detail says where, for whoever debugs the bot.
        return invalidField(field, 'Corrupted thought signature.');
      }
    }
  }
  return undefined;
}

interface PlacedPart {
  part: RequestPart;
  contentIndex: number;
  partIndex: number;
}

/** Each run of consecutive model contents, its parts flattened in order. */
function modelTurns(contents: readonly RequestContent[]): PlacedPart[][] {
  const turns: PlacedPart[][] = [];
  let current: PlacedPart[] | undefined;
  for (const [contentIndex, content] of contents.entries()) {
    if (content.role !== 'model') {
      current = undefined;
      continue;
    }
    if (!current) turns.push((current = []));
    for (const [partIndex, part] of (content.parts ?? []).entries()) current.push({ part, contentIndex, partIndex });
  }
  return turns;
}

function partKind(part: RequestPart): string {
  if (part.functionCall !== undefined) return 'Function call';
  if (part.inlineData !== undefined || part.fileData !== undefined) return 'Image';
  return 'Text';
}
