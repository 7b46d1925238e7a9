import { createHash } from 'node:crypto';
import type Keyv from 'keyv';
import { z } from 'zod';
import { decodeBase64Strictly } from '../images/decodeBase64Strictly.js';

/**
 * A blob is its base64 text, stored as itself (openStore's serializer keeps
 * it out of JSON). Blobs written before were `{version: 1, base64}` and read
 * as they always did.
 */
const storedBlobSchema = z.union([z.string(), z.object({ version: z.literal(1), base64: z.string() }).transform((blob) => blob.base64)]);

/**
 * Image bytes live apart from conversation records, each stored once under
 * the sha256 of its bytes: a history record stays a few kilobytes, and an
 * image that recurs (a re-sent reference, a replayed result) costs nothing.
 * The base64 text is kept exactly as Gemini sent it, so a replay is exact.
 */
export class BlobStore {
  constructor(private readonly keyv: Keyv) {}

  /**
   * Stores the image unless it is there already, and says under which id and
   * how long its stored text is: the same bytes may be spelled differently
   * (base64 padding), and a replay sends the spelling stored first.
   * `decoded`: the bytes the text spells, when the caller has them already
   * (the answer check decoded each image), so they are not decoded again.
   */
  async put(base64: string, decoded?: Buffer): Promise<{ sha256: string; length: number }> {
    const sha256 = sha256Of(decoded ?? Buffer.from(base64, 'base64'));
    const key = blobKey(sha256);
    const stored = await this.get(sha256);
    // The very text stored spells what this one does (its id says so); only another spelling is checked.
    if (stored !== undefined && (stored === base64 || spellsBlob(stored, sha256))) return { sha256, length: stored.length };
    // New, or there but unreadable or damaged (an earlier version kept a corrupt answer): (re)written.
    await this.keyv.set(key, base64);
    return { sha256, length: base64.length };
  }

  /**
   * Whether each blob is there, without loading them. Asked all at once, not
   * one after another: the Redis client pipelines them into one round trip
   * (keyv's hasMany would wrap them in a MULTI, which a full Redis refuses).
   */
  hasAll(sha256s: string[]): Promise<boolean[]> {
    return Promise.all(sha256s.map((sha256) => this.keyv.has(blobKey(sha256))));
  }

  /** Returns undefined when the blob is missing or unreadable; the caller decides what that means. */
  async get(sha256: string): Promise<string | undefined> {
    const parsed = storedBlobSchema.safeParse(await this.keyv.get(blobKey(sha256)));
    return parsed.success ? parsed.data : undefined;
  }
}

/** The id an image is stored under: the sha256 of its bytes, whatever its base64 spelling. */
export function blobIdOf(base64: string): string {
  return sha256Of(Buffer.from(base64, 'base64'));
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Whether a stored text still spells the bytes its id names, in one base64
 * alphabet (a text that is not cannot be sent in a request). Checked by what
 * the strict decoder gives: a regular expression over megabytes of text
 * costs ten times the decode.
 */
function spellsBlob(base64: string, sha256: string): boolean {
  const bytes = decodeBase64Strictly(base64);
  return bytes !== undefined && sha256Of(bytes) === sha256;
}

function blobKey(sha256: string): string {
  return `blob:${sha256}`;
}
