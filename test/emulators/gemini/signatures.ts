// Gemini 3 image models sign their answers: a `thoughtSignature` sits on the
// first non-thought part after the thoughts and on every image part (a stream
// may add one on a trailing empty-text part), and a later request that
// replays the model's turn must carry each one unchanged, on an unchanged
// part, or it fails with 400 INVALID_ARGUMENT.
//
// Real signatures are opaque. Ours carry two HMACs: one over the signed
// part itself (so an edit is reported on the part that was edited), one
// binding the whole answer: the signed part's position, the answer's part
// count and a digest of every part of the answer (signatures stripped, which
// parts were signed kept). So a replay is accepted only when the model turn holds exactly the
// parts that were issued, in order: an edited text or image, a moved
// signature, a dropped part (the empty-text part Google's JS SDK drops from a
// stream), merged text pieces, a removed sketch are all "Corrupted thought
// signature.". Confirmed by Google: missing image signatures and corrupted
// ones are 400s for image models. Assumed: that Google also refuses edits to
// unsigned parts (thoughts, later text pieces) and dropped parts; the bot's
// contract (STREAM_CONTRACT.md point 3) asks the emulator to hold it to that.
//
// Being stateless, any emulator instance checks any signature without
// remembering what it sent. Key case does not matter (parts are normalised to
// camelCase before signing and checking), so a replay in snake_case verifies
// as the API's does.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidField, type GeminiError } from './errors.js';
import type { RequestContent, RequestPart } from './requestSchema.js';
import { canonicalJson } from './canonicalJson.js';

// A fixed secret: a conversation stored by one test run still verifies on the next.
const SECRET = 'gemini-emulator-thought-signature-v2';
// Two marker bytes make a corrupted or foreign signature recognisable as such.
const MARKER = Buffer.from([0x12, 0x2e]);
const NONCE_BYTES = 14;
/** The signed part's index in its answer and the answer's part count, 16 bits each. */
const PLACE_BYTES = 4;
const MAC_BYTES = 32;
const SIGNATURE_BYTES = MARKER.length + NONCE_BYTES + PLACE_BYTES + 2 * MAC_BYTES;

/**
 * Signs the parts at `signed` (indexes into `parts`, the whole answer in order);
 * parts use camelCase field names and carry no signature yet.
 */
export function signAnswer(parts: readonly RequestPart[], signed: ReadonlySet<number>): RequestPart[] {
  const digest = answerDigest(parts.map((part, index) => ({ part, signed: signed.has(index) })));
  return parts.map((part, index) => {
    if (!signed.has(index)) return part;
    const nonce = randomBytes(NONCE_BYTES);
    const place = placeBytes(index, parts.length);
    const signature = Buffer.concat([MARKER, nonce, place, partMac(nonce, part), answerMac(nonce, place, digest)]);
    return { ...part, thoughtSignature: signature.toString('base64') };
  });
}

interface DecodedSignature {
  nonce: Buffer;
  place: Buffer;
  position: number;
  count: number;
  partMac: Buffer;
  answerMac: Buffer;
}

function decode(signature: string): DecodedSignature | undefined {
  const raw = Buffer.from(signature, 'base64');
  if (raw.length !== SIGNATURE_BYTES || !raw.subarray(0, MARKER.length).equals(MARKER)) return undefined;
  const placeAt = MARKER.length + NONCE_BYTES;
  const place = raw.subarray(placeAt, placeAt + PLACE_BYTES);
  return {
    nonce: raw.subarray(MARKER.length, placeAt),
    place,
    position: place.readUInt16BE(0),
    count: place.readUInt16BE(2),
    partMac: raw.subarray(placeAt + PLACE_BYTES, placeAt + PLACE_BYTES + MAC_BYTES),
    answerMac: raw.subarray(placeAt + PLACE_BYTES + MAC_BYTES),
  };
}

function placeBytes(position: number, count: number): Buffer {
  const place = Buffer.alloc(PLACE_BYTES);
  place.writeUInt16BE(position, 0);
  place.writeUInt16BE(count, 2);
  return place;
}

function partMac(nonce: Buffer, part: RequestPart): Buffer {
  const { thoughtSignature: _stripped, ...unsigned } = part;
  return createHmac('sha256', SECRET).update('part').update(nonce).update(canonicalJson(unsigned)).digest();
}

function answerMac(nonce: Buffer, place: Buffer, digest: Buffer): Buffer {
  return createHmac('sha256', SECRET).update('answer').update(nonce).update(place).update(digest).digest();
}

/** A digest of every part of an answer, each without its signature but with whether it had one. */
function answerDigest(parts: ReadonlyArray<{ part: RequestPart; signed: boolean }>): Buffer {
  const hash = createHash('sha256');
  for (const { part, signed } of parts) {
    const { thoughtSignature: _stripped, ...unsigned } = part;
    hash.update(canonicalJson(unsigned)).update(signed ? '\u0001' : '\u0000');
  }
  return hash.digest();
}

const HELP = ' Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.';

/**
 * Checks every model turn of a request the way Gemini 3 image models do: the
 * first non-thought part and every non-thought image part must be signed, and
 * every signature present must belong to exactly this answer. A model turn is
 * a run of consecutive model contents taken as one (Google's JS SDK records a
 * streamed answer as one model content per chunk). Positions in messages are
 * 1-based, like Google's ("content position 2, part position 1").
 */
export function checkThoughtSignatures(contents: readonly RequestContent[]): GeminiError | undefined {
  for (const turn of modelTurns(contents)) {
    const error = checkTurn(turn);
    if (error) return error;
  }
  return undefined;
}

/**
 * Three passes, so the error names the most specific fault: a missing
 * signature, then a signed part that was edited, then the answer as a whole
 * (a part dropped, merged, added or edited that carries no signature).
 */
function checkTurn(turn: readonly PlacedPart[]): GeminiError | undefined {
  const firstAnswer = turn.find(({ part }) => part.thought !== true);
  for (const { part, contentIndex, partIndex } of turn) {
    if (part.thoughtSignature !== undefined) continue;
    const field = signatureField({ contentIndex, partIndex });
    const position = `content position ${contentIndex + 1}, part position ${partIndex + 1}`;
    if (part.inlineData !== undefined && part.thought !== true) {
      return invalidField(field, `Image part is missing a thought_signature in ${position}.${HELP}`);
    }
    if (part === firstAnswer?.part) {
      return invalidField(field, `${partKind(part)} part is missing a thought_signature in ${position}.${HELP}`);
    }
  }
  const signed: Array<{ index: number; signature: DecodedSignature }> = [];
  for (const [index, placed] of turn.entries()) {
    if (placed.part.thoughtSignature === undefined) continue;
    const signature = decode(placed.part.thoughtSignature);
    // Google says only "Corrupted thought signature."; the field says where, for whoever debugs the bot.
    if (!signature || !timingSafeEqual(signature.partMac, partMac(signature.nonce, placed.part))) {
      return invalidField(signatureField(placed), CORRUPTED);
    }
    signed.push({ index, signature });
  }
  // An answer with several signatures is hashed once.
  const digests = new Map<string, Buffer>();
  const covered = new Set<number>();
  for (const { index, signature } of signed) {
    const start = index - signature.position;
    const fits = start >= 0 && start + signature.count <= turn.length;
    if (!fits || !verifySpan(turn, start, signature, digests)) return invalidField(signatureField(turn[index] as PlacedPart), CORRUPTED);
    for (let covering = start; covering < start + signature.count; covering++) covered.add(covering);
  }
  // Parts outside every signed answer were never issued with it (appended, or split off a signed turn).
  const stray = covered.size === 0 ? undefined : turn.find((_placed, index) => !covered.has(index));
  return stray ? invalidField(`contents[${stray.contentIndex}].parts[${stray.partIndex}]`, CORRUPTED) : undefined;
}

const CORRUPTED = 'Corrupted thought signature.';

function signatureField({ contentIndex, partIndex }: { contentIndex: number; partIndex: number }): string {
  return `contents[${contentIndex}].parts[${partIndex}].thought_signature`;
}

/** True when `signature` signs the answer turn[start .. start+count); `digests` keeps each span's digest for the turn. */
function verifySpan(turn: readonly PlacedPart[], start: number, signature: DecodedSignature, digests: Map<string, Buffer>): boolean {
  const key = `${start}:${signature.count}`;
  let digest = digests.get(key);
  if (!digest) {
    const span = turn.slice(start, start + signature.count);
    digest = answerDigest(span.map(({ part }) => ({ part, signed: part.thoughtSignature !== undefined })));
    digests.set(key, digest);
  }
  return timingSafeEqual(signature.answerMac, answerMac(signature.nonce, signature.place, digest));
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
