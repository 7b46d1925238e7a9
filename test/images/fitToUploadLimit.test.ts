import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  fitAllToUploadLimit,
  fitPreviewToUploadLimit,
  fitToUploadLimit,
  type ImageToFit,
} from '../../src/images/fitToUploadLimit.js';

const MEBIBYTE = 1024 * 1024;

/** Random noise barely compresses, so a small picture makes a large file. */
const noise = (width: number, height: number) =>
  sharp({
    // sharp's types require a background even though the noise covers it.
    create: { width, height, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
  });

const pngChunk = (type: string, data: Buffer) => {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, checksum]);
};

/** A valid black 1-bit PNG: a few kilobytes that would decode to `width * height` pixels. */
const decompressionBomb = (width: number, height: number) => {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // 1-bit greyscale, not interlaced
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter byte 0, then black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
};

let smallPng: ImageToFit; // 400×300, ~350 KB
let largePng: ImageToFit; // 600×400, ~700 KB; ~165 KB as a quality-90 JPEG
let tinyJpeg: ImageToFit; // 100×100

beforeAll(async () => {
  smallPng = { name: 'image-0.png', mimeType: 'image/png', data: await noise(400, 300).png().toBuffer() };
  largePng = { name: 'image-1.png', mimeType: 'image/png', data: await noise(600, 400).png().toBuffer() };
  tinyJpeg = { name: 'image-2.jpg', mimeType: 'image/jpeg', data: await noise(100, 100).jpeg().toBuffer() };
});

describe('fitting one image into an upload limit', () => {
  it('hands back an image that already fits, byte for byte', async () => {
    const result = await fitToUploadLimit(smallPng, smallPng.data.length);

    expect(result).toEqual({ kind: 'unchanged', image: smallPng });
    if (result.kind !== 'unchanged') return;
    expect(result.image.data.equals(smallPng.data)).toBe(true);
  });

  it('does not even decode an image that fits', async () => {
    const notAnImage = { name: 'a.png', mimeType: 'image/png', data: Buffer.from('not an image at all') };

    expect(await fitToUploadLimit(notAnImage, 1000)).toEqual({ kind: 'unchanged', image: notAnImage });
  });

  it('re-encodes a PNG that is too large as a JPEG of the same size, renamed .jpg', async () => {
    const result = await fitToUploadLimit(largePng, 300_000);

    expect(result).toMatchObject({
      kind: 'reencoded',
      image: { name: 'image-1.jpg', mimeType: 'image/jpeg' },
      originalBytes: largePng.data.length,
      width: 600,
      height: 400,
      scaled: false,
    });
    if (result.kind !== 'reencoded') return;
    expect(result.image.data.length).toBeLessThanOrEqual(300_000);
    const decoded = await sharp(result.image.data).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['jpeg', 600, 400]);
  });

  it('downscales, keeping the aspect ratio, when re-encoding alone is not enough', async () => {
    const result = await fitToUploadLimit(largePng, 50_000);

    expect(result).toMatchObject({ kind: 'reencoded', scaled: true });
    if (result.kind !== 'reencoded') return;
    expect(result.image.data.length).toBeLessThanOrEqual(50_000);
    expect(result.width).toBeLessThan(600);
    expect(Math.abs(result.width / result.height / (600 / 400) - 1)).toBeLessThan(0.01);
    const decoded = await sharp(result.image.data).metadata();
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['jpeg', result.width, result.height]);
  });

  it('keeps a photo upright when it drops the EXIF orientation', async () => {
    const sideways = await noise(300, 200).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();

    const result = await fitToUploadLimit({ name: 'photo.jpg', mimeType: 'image/jpeg', data: sideways }, sideways.length - 1);

    expect(result).toMatchObject({ kind: 'reencoded', width: 200, height: 300 });
    if (result.kind !== 'reencoded') return;
    const decoded = await sharp(result.image.data).metadata();
    expect([decoded.width, decoded.height, decoded.orientation]).toEqual([200, 300, undefined]);
  });

  it('turns a transparent background white, not black', async () => {
    const transparent = await noise(300, 200).ensureAlpha(0).png().toBuffer();

    const result = await fitToUploadLimit({ name: 'sticker.png', mimeType: 'image/png', data: transparent }, 10_000);

    expect(result.kind).toBe('reencoded');
    if (result.kind !== 'reencoded') return;
    const { channels } = await sharp(result.image.data).stats();
    expect(channels.map((channel) => channel.min)).toEqual([255, 255, 255]);
  });

  it('reports bytes that are no image as undecodable instead of throwing', async () => {
    const garbage = { name: 'image-1.png', mimeType: 'image/png', data: Buffer.from('<html>rate limited</html>'.repeat(40)) };

    expect(await fitToUploadLimit(garbage, 100)).toEqual({ kind: 'impossible', reason: 'undecodable' });
  });

  it('refuses a decompression bomb before decoding it', async () => {
    const bomb = decompressionBomb(12_000, 12_000); // 144 megapixels: more than our cap, less than sharp's default

    // Every decode ends in toBuffer (the JPEG encode); watched, not replaced. Refusing a bomb reads only its header.
    const decodes = vi.spyOn(sharp.prototype, 'toBuffer');
    try {
      const result = await fitToUploadLimit({ name: 'bomb.png', mimeType: 'image/png', data: bomb }, 1000);

      expect(result).toEqual({ kind: 'impossible', reason: 'undecodable' });
      expect(decodes).not.toHaveBeenCalled();
    } finally {
      decodes.mockRestore();
    }
  });

  it('gives up when no size and quality make the image small enough', async () => {
    const result = await fitToUploadLimit(smallPng, 500);

    expect(result).toEqual({ kind: 'impossible', reason: 'still-too-large' });
  });
});

describe('fitting the images of one message', () => {
  it('leaves a message that fits alone', async () => {
    const result = await fitAllToUploadLimit([smallPng, tinyJpeg], 10 * MEBIBYTE);

    expect(result).toEqual({ images: [smallPng, tinyJpeg], changed: false, failed: 0, leftOut: [] });
  });

  it('shrinks the large images so that all of them together fit, keeping their order', async () => {
    const limit = 300_000;

    const result = await fitAllToUploadLimit([largePng, tinyJpeg, { ...largePng, name: 'image-3.webp' }], limit);

    expect(result.changed).toBe(true);
    expect(result.failed).toBe(0);
    expect(result.images.map((image) => image.name)).toEqual(['image-1.jpg', 'image-2.jpg', 'image-3.jpg']);
    expect(result.images[1]).toBe(tinyJpeg);
    const total = result.images.reduce((sum, image) => sum + image.data.length, 0);
    expect(total).toBeLessThanOrEqual(limit - 64 * 1024);
  });

  it('leaves out an image that cannot be fitted and counts it', async () => {
    const garbage = { name: 'broken.png', mimeType: 'image/png', data: Buffer.alloc(200_000, 7) };

    const result = await fitAllToUploadLimit([garbage, tinyJpeg], 100_000);

    expect(result).toEqual({ images: [tinyJpeg], changed: false, failed: 1, leftOut: [{ name: 'broken.png', reason: 'undecodable' }] });
  });
});

describe('fitting a sketch into an upload limit', () => {
  const OVERHEAD = 64 * 1024; // the message's own bytes, as for an answer

  it('hands back a sketch that fits with its message, byte for byte', async () => {
    const result = await fitPreviewToUploadLimit(smallPng, smallPng.data.length + OVERHEAD);

    expect(result).toEqual({ kind: 'unchanged', image: smallPng });
  });

  it('re-encodes a sketch that would fit alone but not with its message', async () => {
    const result = await fitPreviewToUploadLimit(smallPng, smallPng.data.length + 1000);

    if (result.kind !== 'reencoded') throw new Error(`expected a re-encoded sketch, got ${result.kind}`);
    expect(result.image.data.length).toBeLessThanOrEqual(smallPng.data.length + 1000 - OVERHEAD);
    expect([result.width, result.height, result.scaled]).toEqual([400, 300, false]); // small enough already: not shrunk
  });

  it('shows a large sketch as a preview JPEG at most 1536 px on its long side, the aspect ratio kept', async () => {
    const large = { name: 'sketch-1.png', mimeType: 'image/png', data: await noise(2400, 1200).png().toBuffer() };
    const limit = 4 * MEBIBYTE;
    expect(large.data.length).toBeGreaterThan(limit);

    const result = await fitPreviewToUploadLimit(large, limit);

    if (result.kind !== 'reencoded') throw new Error(`expected a re-encoded sketch, got ${result.kind}`);
    expect(result.image.name).toBe('sketch-1.jpg');
    expect(result.image.mimeType).toBe('image/jpeg');
    expect(result.image.data.length).toBeLessThanOrEqual(limit - OVERHEAD);
    const metadata = await sharp(result.image.data).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1536, 768]);
    expect([result.width, result.height, result.scaled, result.originalBytes]).toEqual([1536, 768, true, large.data.length]);
  });

  it("encodes once and gives up rather than climb an answer's ladder", async () => {
    // The answer's fitting gets this under 20 kB by shrinking step after step; a sketch is not worth the wait.
    expect((await fitToUploadLimit(smallPng, 20_000)).kind).toBe('reencoded');

    expect(await fitPreviewToUploadLimit(smallPng, 20_000 + OVERHEAD)).toEqual({ kind: 'impossible', reason: 'still-too-large' });
  });

  it('reports bytes that are no image, or a decompression bomb, as undecodable instead of throwing', async () => {
    const garbage = { name: 'sketch-1.png', mimeType: 'image/png', data: Buffer.alloc(200_000, 7) };
    expect(await fitPreviewToUploadLimit(garbage, OVERHEAD + 100)).toEqual({ kind: 'impossible', reason: 'undecodable' });
    const bomb = { name: 'sketch-1.png', mimeType: 'image/png', data: decompressionBomb(12_000, 12_000) };
    expect(await fitPreviewToUploadLimit(bomb, OVERHEAD + 100)).toEqual({ kind: 'impossible', reason: 'undecodable' });
  });
});
