// Gemini decodes every inline image and answers 400 when the bytes are not
// the image the mimeType claims ("Unable to process input image"). The
// emulator checks the leading magic bytes, which catches the usual bot bugs:
// a PNG labelled image/jpeg, a truncated or empty download, an HTML error page.

export const ACCEPTED_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'] as const;

/** ISO-BMFF brands used by HEIC/HEIF files. */
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'heif']);

/** True when the first bytes of `data` match the image format `mimeType` names. */
export function matchesImageMagic(mimeType: string, data: Buffer): boolean {
  switch (mimeType) {
    case 'image/png':
      return data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case 'image/jpeg':
      return data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
    case 'image/webp':
      return data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP';
    case 'image/heic':
    case 'image/heif':
      return data.toString('latin1', 4, 8) === 'ftyp' && HEIF_BRANDS.has(data.toString('latin1', 8, 12));
    default:
      return false;
  }
}

/** Decodes just enough of a base64 string to check its magic bytes. */
export function leadingBytes(base64: string, count = 16): Buffer {
  const chars = Math.ceil(count / 3) * 4;
  return Buffer.from(base64.slice(0, chars), 'base64');
}
