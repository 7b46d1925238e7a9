import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGeneratedImage, declaresItsOwnType, type ImageProblem } from '../../src/images/checkGeneratedImage.js';

let jpeg: Buffer;
let png: Buffer;
let webp: Buffer;

beforeAll(async () => {
  const picture = () => sharp({ create: { width: 6, height: 4, channels: 3, background: '#f5d90a' } });
  [jpeg, png, webp] = await Promise.all([picture().jpeg().toBuffer(), picture().png().toBuffer(), picture().webp().toBuffer()]);
});

describe('checking an image Gemini sent before it is shown or kept', () => {
  it.each([
    ['a JPEG', () => jpeg, 'image/jpeg'],
    ['a PNG', () => png, 'image/png'],
    ['a WebP', () => webp, 'image/webp'],
  ])('reads %s: its bytes, its real type and its size', async (_case, bytesOf, mimeType) => {
    const check = await checkGeneratedImage({ mimeType, base64: bytesOf().toString('base64') });
    expect(check.ok && { mimeType: check.image.mimeType, width: check.image.width, height: check.image.height }).toEqual({ mimeType, width: 6, height: 4 });
    expect(check.ok && check.image.bytes.equals(bytesOf())).toBe(true);
    expect(check.ok && declaresItsOwnType(check.image)).toBe(true);
  });

  it('takes the type from the bytes and says when the declared one contradicts it', async () => {
    const check = await checkGeneratedImage({ mimeType: 'image/png', base64: jpeg.toString('base64') });
    expect(check.ok && check.image.mimeType).toBe('image/jpeg');
    expect(check.ok && check.image.declaredMimeType).toBe('image/png');
    expect(check.ok && declaresItsOwnType(check.image)).toBe(false);
  });

  it.each<[string, () => string, ImageProblem]>([
    ['corrupt base64 (which Buffer.from would still decode)', () => { const text = jpeg.toString('base64'); return `${text.slice(0, 40)}!*~${text.slice(40)}`; }, 'not-base64'],
    ['empty data', () => '', 'not-base64'],
    ['an HTML page', () => Buffer.from('<!DOCTYPE html><html><body>502</body></html>').toString('base64'), 'not-an-image'],
    ['a GIF, which Gemini does not return', () => Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1').toString('base64'), 'not-an-image'],
    ['JPEG magic bytes followed by noise', () => Buffer.concat([jpeg.subarray(0, 4), Buffer.alloc(200, 0x41)]).toString('base64'), 'undecodable'],
    ['a PNG cut off inside its header', () => png.subarray(0, 20).toString('base64'), 'undecodable'],
    ['a PNG whose header claims 144 megapixels (a decompression bomb)', () => pngClaiming(12_000, 12_000).toString('base64'), 'undecodable'],
  ])('refuses %s', async (_case, base64Of, problem) => {
    await expect(checkGeneratedImage({ mimeType: 'image/jpeg', base64: base64Of() })).resolves.toEqual({ ok: false, problem });
  });
});

/** A PNG signature and an IHDR chunk claiming this size; the header alone is enough to refuse it. */
function pngClaiming(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  const chunk = Buffer.concat([Buffer.from([0, 0, 0, 13]), Buffer.from('IHDR'), header, Buffer.alloc(4)]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk]);
}
