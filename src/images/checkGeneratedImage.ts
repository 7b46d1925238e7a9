import sharp from 'sharp';
import { sniffImageType, type SupportedImageType } from './sniffImageType.js';
import type { GeneratedImage } from '../gemini/generationOutcome.js';
import { decodeBase64Strictly } from './decodeBase64Strictly.js';
import { ACCEPTED_FORMATS, MAX_INPUT_PIXELS } from './fitToUploadLimit.js';

/** An image Gemini sent that decodes: its bytes, and its type as the bytes say. */
export interface CheckedImage {
  /** The type by magic bytes: what the file is posted as. */
  mimeType: SupportedImageType;
  /** The type the part declared; Gemini refuses a replayed image whose declared type is not its own. */
  declaredMimeType: string;
  /** The text as Gemini sent it, which the history keeps (the blob store reuses `bytes` rather than decode it again). */
  base64: string;
  bytes: Buffer;
  width: number;
  height: number;
}

/** Why an image part is no picture: its text is not base64, its bytes are no image type Gemini returns, or no decoder reads its header. */
export type ImageProblem = 'not-base64' | 'not-an-image' | 'undecodable';

export type ImageCheck = { ok: true; image: CheckedImage } | { ok: false; problem: ImageProblem };

/**
 * Checks one image part of Gemini's answer before anyone sees or keeps it:
 * strict base64, magic bytes of a type Gemini returns (JPEG, PNG, WebP,
 * HEIF), then sharp reads the header (size, format) without decoding the
 * pixels. A bad part is rare (a proxy re-encoding the JSON, a cut stream),
 * but posted it is a file nobody can open and kept it breaks every later
 * turn of the thread. Never throws.
 */
export async function checkGeneratedImage(image: GeneratedImage): Promise<ImageCheck> {
  const bytes = decodeBase64Strictly(image.base64);
  if (!bytes) return { ok: false, problem: 'not-base64' };
  const mimeType = sniffImageType(bytes);
  if (!mimeType) return { ok: false, problem: 'not-an-image' };
  const size = await readHeader(bytes);
  if (!size) return { ok: false, problem: 'undecodable' };
  return { ok: true, image: { mimeType, declaredMimeType: image.mimeType, base64: image.base64, bytes, ...size } };
}

/** Whether a replay of this image would be accepted: Gemini checks an input image's bytes against its declared type. */
export function declaresItsOwnType(image: CheckedImage): boolean {
  return image.declaredMimeType === image.mimeType;
}

async function readHeader(bytes: Buffer): Promise<{ width: number; height: number } | undefined> {
  try {
    // The pixel limit refuses a decompression bomb from its header, before any pixels are allocated.
    const metadata = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    if (!ACCEPTED_FORMATS.has(metadata.format) || !metadata.width || !metadata.height) return undefined;
    return { width: metadata.width, height: metadata.height };
  } catch {
    return undefined;
  }
}
