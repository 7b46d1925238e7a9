/** The image types Gemini accepts inline (FACTS.md). */
export type SupportedImageType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/heic' | 'image/heif';

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis']);
const HEIF_BRANDS = new Set(['mif1', 'msf1', 'heif']);

/**
 * The type by magic bytes. A file's name and declared content type are the
 * uploader's claims; Gemini rejects bytes that do not match the MIME type we send.
 */
export function sniffImageType(bytes: Uint8Array): SupportedImageType | undefined {
  const ascii = (start: number, end: number) => String.fromCharCode(...bytes.subarray(start, end));
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(1, 4) === 'PNG' && bytes[4] === 0x0d && bytes[5] === 0x0a) {
    return 'image/png';
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (bytes.length >= 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    // AVIF files often declare mif1 too; their compatible brands say avif, which Gemini does not take.
    const boxSize = Math.min(bytes.length, ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
    const compatible = ascii(16, Math.max(16, boxSize));
    if (/avi[fs]/.test(compatible) || brand === 'avif' || brand === 'avis') return undefined;
    if (HEIC_BRANDS.has(brand)) return 'image/heic';
    if (HEIF_BRANDS.has(brand)) return 'image/heif';
  }
  return undefined;
}
