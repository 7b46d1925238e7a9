import { describe, expect, it } from 'vitest';
import { sniffImageType } from '../../src/images/sniffImageType.js';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part))));

describe('deciding an image type by its magic bytes', () => {
  it('recognises every type Gemini accepts', () => {
    expect(sniffImageType(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe('image/png');
    expect(sniffImageType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(bytes([0, 0, 0, 24], 'ftypheic', [0, 0, 0, 0]))).toBe('image/heic');
    expect(sniffImageType(bytes([0, 0, 0, 24], 'ftypmif1', [0, 0, 0, 0]))).toBe('image/heif');
  });

  it('refuses what Gemini does not take, whatever the file is called', () => {
    expect(sniffImageType(bytes('GIF89a', [0, 0, 0, 0]))).toBeUndefined();
    expect(sniffImageType(bytes([0, 0, 0, 24], 'ftypavif', [0, 0, 0, 0]))).toBeUndefined();
    // An AVIF that names mif1 as its major brand is still AVIF.
    expect(sniffImageType(bytes([0, 0, 0, 28], 'ftypmif1', [0, 0, 0, 0], 'mif1avifmiaf'))).toBeUndefined();
    expect(sniffImageType(bytes('%PDF-1.7'))).toBeUndefined();
    expect(sniffImageType(new Uint8Array())).toBeUndefined();
    expect(sniffImageType(bytes([0xff, 0xd8]))).toBeUndefined();
  });
});
