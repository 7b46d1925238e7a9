// Gemini image models answer with JPEG (mimeType image/jpeg) even when the
// client expects PNG, so the emulator answers with a real, decodable JPEG too.
// Each image is one small baseline JPEG with a comment (COM, 0xFFFE) segment
// that names the image: {"serial":N,"prompt":"..."}. That makes every image
// unique and lets a test tell which request produced a picture the bot posted.
// Further COM segments pad an image to a requested size, to exercise upload
// limits without encoding a large picture.

/**
 * A 16×16 baseline JPEG (JFIF, 4:2:0, a banana-yellow gradient), encoded once
 * with libjpeg 6.2 and checked to decode with it without warnings.
 */
const BASE_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkz' +
    'ODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2Nj' +
    'Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQABADASIA' +
    'AhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAwb/xAAWEAADAAAAAAAAAAAAAAAAAAAAAQL/xAAV' +
    'AQEBAAAAAAAAAAAAAAAAAAAEBv/EABcRAAMBAAAAAAAAAAAAAAAAAAABAgP/2gAMAwEAAhEDEQA/' +
    'AKWEPCBhDwicrMXbP//Z',
  'base64',
);

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const APP0 = 0xe0;
/** A segment's length field counts itself (2 bytes) and is 16-bit. */
const MAX_SEGMENT_PAYLOAD = 0xffff - 2;

export interface ImageInfo {
  serial: number;
  prompt: string;
  /** Set on the interim "thought" images a Gemini 3 Pro Image answer may carry. */
  interim?: true;
  /** An interim image's place among its answer's drafts, from 1: real drafts differ, so the bytes do too. */
  draft?: number;
}

export interface JpegSegment {
  marker: number;
  /** Offset of the 0xFF that starts the marker. */
  offset: number;
  payload: Buffer;
}

/** A new JPEG carrying `info`, padded with comment segments to about `targetBytes`. */
export function buildJpeg(info: ImageInfo, targetBytes = 0): Buffer {
  // One segment holds at most 65,533 bytes; 16,000 characters of UTF-8 always fit.
  const labelled: ImageInfo = { ...info, prompt: info.prompt.slice(0, 16_000) };
  const label = commentSegment(Buffer.from(JSON.stringify(labelled), 'utf8'));
  // JFIF wants APP0 straight after SOI, so the comments go after APP0.
  const app0 = readJpegSegments(BASE_JPEG).find((segment) => segment.marker === APP0);
  const insertAt = app0 ? app0.offset + 4 + app0.payload.length : 2;
  const pieces = [BASE_JPEG.subarray(0, insertAt), label];
  let size = BASE_JPEG.length + label.length;
  while (targetBytes - size > 4) {
    const payload = Math.min(MAX_SEGMENT_PAYLOAD, targetBytes - size - 4);
    const padding = commentSegment(Buffer.alloc(payload, 0x20));
    pieces.push(padding);
    size += padding.length;
  }
  pieces.push(BASE_JPEG.subarray(insertAt));
  return Buffer.concat(pieces);
}

/** The label buildJpeg embedded, or undefined for any other bytes. */
export function readImageInfo(bytes: Uint8Array): ImageInfo | undefined {
  let segments: JpegSegment[];
  try {
    segments = readJpegSegments(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return undefined;
  }
  for (const segment of segments) {
    if (segment.marker !== COM || segment.payload[0] !== 0x7b /* '{' */) continue;
    try {
      const parsed: unknown = JSON.parse(segment.payload.toString('utf8'));
      if (isImageInfo(parsed)) return parsed;
    } catch {
      // Not our label; keep looking.
    }
  }
  return undefined;
}

function isImageInfo(value: unknown): value is ImageInfo {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.serial === 'number' && typeof candidate.prompt === 'string';
}

/**
 * Walks a JPEG's marker segments up to SOS, then the entropy-coded data to
 * EOI, and throws on anything malformed. Tests use it to prove the images
 * are structurally valid; readImageInfo uses it to find the label.
 */
export function readJpegSegments(bytes: Buffer): JpegSegment[] {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) throw new Error('JPEG: missing SOI');
  const segments: JpegSegment[] = [];
  let offset = 2;
  for (;;) {
    if (bytes[offset] !== 0xff) throw new Error(`JPEG: expected a marker at ${offset}`);
    const marker = bytes[offset + 1];
    if (marker === undefined || offset + 4 > bytes.length) throw new Error('JPEG: truncated before SOS');
    const length = bytes.readUInt16BE(offset + 2);
    if (length < 2 || offset + 2 + length > bytes.length) throw new Error(`JPEG: bad segment length at ${offset}`);
    segments.push({ marker, offset, payload: bytes.subarray(offset + 4, offset + 2 + length) });
    offset += 2 + length;
    if (marker === SOS) break;
  }
  // Entropy-coded data: 0xFF is followed by 0x00 (stuffing) or a restart marker, until EOI.
  for (; offset < bytes.length - 1; offset++) {
    if (bytes[offset] !== 0xff) continue;
    const next = bytes[offset + 1] as number;
    if (next === EOI) {
      if (offset + 2 !== bytes.length) throw new Error('JPEG: data after EOI');
      segments.push({ marker: EOI, offset, payload: Buffer.alloc(0) });
      return segments;
    }
    if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) throw new Error(`JPEG: unexpected marker ${next} in scan`);
  }
  throw new Error('JPEG: missing EOI');
}

function commentSegment(payload: Buffer): Buffer {
  const header = Buffer.from([0xff, COM, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}
