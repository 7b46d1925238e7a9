import { randomBytes } from 'node:crypto';
import { readInlineData } from '../gemini/inlineData.js';
import { isStrictBase64 } from '../images/decodeBase64Strictly.js';
import { RequestBodyError, type RequestBody } from '../gemini/requestBody.js';
import type { BlobStore } from '../store/blobStore.js';
import type { GeminiPart } from '../gemini/geminiTypes.js';
import { isGone, type StepImage } from '../conversation/conversationRecord.js';
import { StoredImagePart, type BlobRef, type OutgoingContent, type OutgoingPart } from '../conversation/outgoingParts.js';

/** Image text is written in slices this big: no second whole copy of an image as bytes. */
const SLICE_CHARS = 1 << 20;

/**
 * `ascii`: the text is strict base64 (isStrictBase64), its own JSON, one byte
 * a character, so it may be cut anywhere and is written as Latin-1 (copied,
 * where UTF-8 would first scan it for its length); other text is written
 * whole, as a cut could split a surrogate pair.
 */
type ImageSource = { kind: 'memory'; json: string; ascii: boolean } | { kind: 'blob'; sha256: string; length: number };

export type PreparedBody = { ok: true; body: RequestBody } | { ok: false; missingBlob: string };

/**
 * The JSON body of a request whose parts may still have their images in the
 * blob store, sent without ever being one string. Every image's `data` is
 * replaced by a placeholder, the rest is serialized (a few kilobytes), and
 * the body streams that skeleton with each image written in its place: a
 * stored image is read when its turn comes and dropped once written, so a
 * 20 MB history costs one image of memory, not three copies of all of it.
 *
 * The exact length is known before sending (Content-Length: a proxy may
 * refuse a chunked POST): each stored image's length is kept in the record.
 * Missing images are found before anything is sent.
 */
export async function streamedRequestBody<R extends { contents: OutgoingContent[] }>(request: R, blobs: BlobStore): Promise<PreparedBody> {
  const contents: Array<Omit<OutgoingContent, 'parts'> & { parts: unknown[] }> = [];
  for (const content of request.contents) {
    const parts: unknown[] = [];
    for (const part of content.parts) {
      const slotted = slotImage(part);
      if ('missingBlob' in slotted) return { ok: false, missingBlob: slotted.missingBlob };
      const { wire, image } = slotted;
      parts.push(image ? { ...wire, [image.field]: { ...(wire[image.field] as object), data: image.slot } } : wire);
    }
    contents.push({ ...content, parts });
  }
  return streamedJsonBody({ ...request, contents }, blobs);
}

/** A part with its image, when it has one, as a body slot: on hand, or still in the blob store. */
export type SlottedPart = { wire: GeminiPart; image?: { field: 'inlineData' | 'inline_data'; slot: BodyImage } | undefined };

/**
 * The one place a part's image becomes a BodyImage, for either API's body:
 * a stored one is read from the blob store when its turn in the body comes,
 * one on hand is written from memory. A stored image its record says is gone
 * cannot be sent.
 */
export function slotImage(part: OutgoingPart): SlottedPart | { missingBlob: string } {
  if (part instanceof StoredImagePart) {
    const slot = storedImageSlot(part.blob);
    return slot.ok ? { wire: part.raw, image: { field: part.blob.field, slot: slot.slot } } : slot;
  }
  const inline = readInlineData(part);
  return { wire: part, image: inline ? { field: inline.field, slot: BodyImage.of(inline.data) } : undefined };
}

/**
 * An image's base64 text inside a request tree (see streamedJsonBody): on
 * hand, or still in the blob store, written in its place as the body streams.
 */
class BodyImage {
  constructor(readonly source: ImageSource) {}

  /** Base64 text on hand. */
  static of(data: string): BodyImage {
    return new BodyImage(memorySource(data));
  }
}

/** A stored image (a part's or a step's) as a body slot, read when the body streams; one its record says is gone cannot be sent. */
export function storedImageSlot(image: BlobRef | StepImage): { ok: true; slot: BodyImage } | { ok: false; missingBlob: string } {
  if (isGone(image)) return { ok: false, missingBlob: image.sha256 };
  return { ok: true, slot: new BodyImage({ kind: 'blob', sha256: image.sha256, length: image.length }) };
}

/**
 * Any JSON request whose image texts are BodyImage slots, streamed as
 * streamedRequestBody describes: generateContent's contents and the
 * Interactions API's steps alike.
 */
export async function streamedJsonBody(tree: unknown, blobs: BlobStore): Promise<PreparedBody> {
  // Random per request, so no prompt text can contain it.
  const token = `__image_${randomBytes(12).toString('hex')}_`;
  const sources: ImageSource[] = [];
  const placeholder = (source: ImageSource) => `${token}${sources.push(source) - 1}`;
  const skeleton = JSON.stringify(tree, (_key, value: unknown) => (value instanceof BodyImage ? placeholder(value.source) : value));
  // Every stored image is there, asked all at once rather than one after another.
  const stored = [...new Set(sources.flatMap((source) => (source.kind === 'blob' ? [source.sha256] : [])))];
  const present = await blobs.hasAll(stored);
  const missing = stored.find((_, index) => !present[index]);
  if (missing !== undefined) return { ok: false, missingBlob: missing };

  const pieces: string[] = [];
  const order: number[] = [];
  let last = 0;
  for (const match of skeleton.matchAll(new RegExp(`${token}(\\d+)`, 'g'))) {
    pieces.push(skeleton.slice(last, match.index));
    order.push(Number(match[1]));
    last = match.index + match[0].length;
  }
  pieces.push(skeleton.slice(last));

  const contentLength =
    pieces.reduce((sum, piece) => sum + Buffer.byteLength(piece), 0) +
    order.reduce((sum, index) => {
      const source = sources[index]!;
      return sum + (source.kind === 'blob' ? source.length : Buffer.byteLength(source.json));
    }, 0);

  return {
    ok: true,
    body: {
      contentLength,
      async *chunks() {
        for (const [position, piece] of pieces.entries()) {
          yield Buffer.from(piece);
          const index = order[position];
          if (index === undefined) continue;
          const source = sources[index]!;
          const json = source.kind === 'memory' ? source.json : await readStoredImage(blobs, source);
          if (source.kind === 'memory' && !source.ascii) {
            yield Buffer.from(json);
            continue;
          }
          for (let start = 0; start < json.length; start += SLICE_CHARS) yield Buffer.from(json.slice(start, start + SLICE_CHARS), 'latin1');
        }
      },
    },
  };
}

/**
 * A stored image's text, checked before any of it is written: as long as
 * its record says (the bytes must match Content-Length), and strict base64,
 * so it needs no escaping in the JSON string and is one byte a character.
 * The store is not trusted for that (a damaged row, another version's
 * writer): a text with a quote, a backslash, a control or non-ASCII
 * character would break the body or inject into it, and one that is not
 * base64 Gemini would refuse; either is reported as an unreadable image.
 * Checked on every read, since a check when the image was stored proves
 * nothing of what the store gives back now; natively (isStrictBase64), at
 * an eighth of what a regular expression over the text cost.
 */
async function readStoredImage(blobs: BlobStore, source: Extract<ImageSource, { kind: 'blob' }>): Promise<string> {
  let base64: string | undefined;
  try {
    base64 = await blobs.get(source.sha256);
  } catch (error) {
    // The store failed (down, or a damaged row): our side's problem, not a network error to retry against Gemini.
    throw new RequestBodyError(`image ${source.sha256} could not be read from the store`, true, { cause: error });
  }
  if (base64 === undefined) throw new RequestBodyError(`image ${source.sha256} left the store while the request was being sent`);
  if (base64.length !== source.length || !isStrictBase64(base64)) throw new RequestBodyError(`image ${source.sha256} is not what its record says`);
  return base64;
}

/** Inline data on hand, as the text it takes inside its JSON quotes. */
function memorySource(data: string): ImageSource {
  return isStrictBase64(data) ? { kind: 'memory', json: data, ascii: true } : { kind: 'memory', json: JSON.stringify(data).slice(1, -1), ascii: false };
}
