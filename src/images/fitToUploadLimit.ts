import sharp from 'sharp';

export interface ImageToFit {
  name: string;
  mimeType: string;
  data: Buffer;
}

export type FitResult =
  | { kind: 'unchanged'; image: ImageToFit }
  | { kind: 'reencoded'; image: ImageToFit; originalBytes: number; width: number; height: number; scaled: boolean }
  | { kind: 'impossible'; reason: 'undecodable' | 'still-too-large' };

// Discord has refused (413) a request whose body, not any one file, passed the
// limit, so the files of one message share it, with room left for
// payload_json and the multipart boundaries.
const MESSAGE_OVERHEAD_BYTES = 64 * 1024;

// A 4K result is about 17 megapixels. Anything past 100 megapixels is not a
// Gemini image but a decompression bomb (a few KB that decode to gigabytes),
// so sharp refuses it from the header before allocating any pixels.
export const MAX_INPUT_PIXELS = 100_000_000;

// The formats Gemini returns; anything else (SVG, PDF, TIFF…) is not ours to render.
export const ACCEPTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'heif']);

interface EncodingStep {
  quality: number;
  /** Fraction of the original width and height. */
  scale: number;
}

// Cheapest loss first: a 4K PNG or quality-95 JPEG nearly always fits once it
// is a quality-90 JPEG at full size; only then do we give up pixels.
const ENCODING_LADDER: readonly EncodingStep[] = [
  { quality: 90, scale: 1 },
  { quality: 80, scale: 1 },
  ...Array.from({ length: 8 }, (_, step) => ({ quality: 85, scale: 0.8 ** (step + 1) })),
];

/**
 * Makes one image small enough for a Discord upload: as it is if it already
 * fits, else re-encoded as JPEG and, if need be, downscaled. Never throws.
 */
export async function fitToUploadLimit(image: ImageToFit, limitBytes: number): Promise<FitResult> {
  if (image.data.length <= limitBytes) return { kind: 'unchanged', image };

  const size = await readOrientedSize(image.data);
  if (!size) return { kind: 'impossible', reason: 'undecodable' };

  for (const step of ENCODING_LADDER) {
    const encoded = await encodeJpeg(image.data, size, step);
    if (!encoded) return { kind: 'impossible', reason: 'undecodable' };
    if (encoded.data.length <= limitBytes) return reencoded(image, encoded, step);
  }
  return { kind: 'impossible', reason: 'still-too-large' };
}

// A sketch is on screen for seconds until the next one or the answer: a
// preview this size is plenty in Discord's viewer, and small enough that one
// encode always fits.
const PREVIEW_LONG_SIDE = 1536;
const PREVIEW_QUALITY = 80;

/**
 * Makes the one image of a progress message (a sketch) fit the destination's
 * upload limit: as it is if it fits with the message's overhead, else one
 * JPEG at most PREVIEW_LONG_SIDE on its long side. One encode and never the
 * answer's ladder: the answer waits behind a sketch being prepared, and a
 * smaller sketch loses nothing a sketch is for. Never throws.
 */
export async function fitPreviewToUploadLimit(image: ImageToFit, limitBytes: number): Promise<FitResult> {
  const budget = Math.max(0, limitBytes - MESSAGE_OVERHEAD_BYTES);
  if (image.data.length <= budget) return { kind: 'unchanged', image };
  const size = await readOrientedSize(image.data);
  if (!size) return { kind: 'impossible', reason: 'undecodable' };
  // JPEG decodes shrunk on load for a target this much smaller: the full-size pixels are never held.
  const step = { quality: PREVIEW_QUALITY, scale: Math.min(1, PREVIEW_LONG_SIDE / Math.max(size.width, size.height)) };
  const encoded = await encodeJpeg(image.data, size, step);
  if (!encoded) return { kind: 'impossible', reason: 'undecodable' };
  if (encoded.data.length > budget) return { kind: 'impossible', reason: 'still-too-large' };
  return reencoded(image, encoded, step);
}

/** The image as its JPEG re-encoding, under the original's name with a .jpg extension. */
function reencoded(image: ImageToFit, encoded: { data: Buffer; width: number; height: number }, step: { scale: number }): FitResult {
  return {
    kind: 'reencoded',
    image: { name: withJpegExtension(image.name), mimeType: 'image/jpeg', data: encoded.data },
    originalBytes: image.data.length,
    width: encoded.width,
    height: encoded.height,
    scaled: step.scale < 1,
  };
}

/**
 * Fits the images of one message so that each file and their total stay under
 * the limit, with room left for the rest of the request. Images that cannot
 * be fitted are left out and listed in `leftOut`, with why; the order is kept.
 */
export async function fitAllToUploadLimit(
  images: ImageToFit[],
  limitBytes: number,
): Promise<{ images: ImageToFit[]; changed: boolean; failed: number; leftOut: Array<{ name: string; reason: 'undecodable' | 'still-too-large' }> }> {
  const budgets = shareBudget(
    images.map((image) => image.data.length),
    Math.max(0, limitBytes - MESSAGE_OVERHEAD_BYTES),
  );
  const fitted: ImageToFit[] = [];
  let changed = false;
  const leftOut: Array<{ name: string; reason: 'undecodable' | 'still-too-large' }> = [];
  // One image at a time: each decode of a 4K image holds ~50 MB of pixels.
  for (const [index, image] of images.entries()) {
    const result = await fitToUploadLimit(image, budgets[index] ?? 0);
    switch (result.kind) {
      case 'unchanged':
        fitted.push(result.image);
        break;
      case 'reencoded':
        fitted.push(result.image);
        changed = true;
        break;
      case 'impossible':
        leftOut.push({ name: image.name, reason: result.reason });
        break;
    }
  }
  return { images: fitted, changed, failed: leftOut.length, leftOut };
}

/**
 * Splits a message's byte budget between its files: a file smaller than an
 * even share keeps its size (so it is not touched), and the larger files share
 * what is left equally.
 */
function shareBudget(sizes: number[], totalBudget: number): number[] {
  const budgets = sizes.map(() => 0);
  const smallestFirst = sizes.map((size, index) => ({ size, index })).sort((a, b) => a.size - b.size);
  let remaining = totalBudget;
  for (const [position, { size, index }] of smallestFirst.entries()) {
    const evenShare = Math.floor(remaining / (smallestFirst.length - position));
    budgets[index] = Math.min(size, evenShare);
    remaining -= Math.min(size, evenShare);
  }
  return budgets;
}

interface Size {
  width: number;
  height: number;
}

/** The size as displayed (after EXIF orientation), read from the header alone; undefined if this is no image we accept. */
async function readOrientedSize(data: Buffer): Promise<Size | undefined> {
  try {
    const metadata = await sharp(data, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
    if (!ACCEPTED_FORMATS.has(metadata.format)) return undefined;
    return metadata.autoOrient;
  } catch {
    return undefined;
  }
}

/** Undefined when the pixels cannot be decoded (a damaged or refused image). */
async function encodeJpeg(data: Buffer, original: Size, step: EncodingStep) {
  try {
    let pipeline = sharp(data, { limitInputPixels: MAX_INPUT_PIXELS })
      // Orient by EXIF before the tag is dropped, or a phone photo turns sideways.
      .rotate()
      // JPEG has no alpha and a transparent area would otherwise turn black.
      .flatten({ background: '#ffffff' });
    if (step.scale < 1) {
      pipeline = pipeline.resize({
        width: Math.max(1, Math.round(original.width * step.scale)),
        height: Math.max(1, Math.round(original.height * step.scale)),
        fit: 'inside',
      });
    }
    // sharp drops metadata unless asked to keep it, so every byte goes to pixels.
    // Optimised, progressive libjpeg: ~0.6 s for a noisy 4K image where mozjpeg
    // takes ~3 s for files only ~10% smaller; the user is waiting for this reply.
    const { data: encoded, info } = await pipeline
      .jpeg({ quality: step.quality, optimiseCoding: true, progressive: true })
      .toBuffer({ resolveWithObject: true });
    return { data: encoded, width: info.width, height: info.height };
  } catch {
    return undefined;
  }
}

/** image-1.png becomes image-1.jpg, so Discord and the user's viewer read the type right. */
function withJpegExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return `${dot > 0 ? name.slice(0, dot) : name}.jpg`;
}
