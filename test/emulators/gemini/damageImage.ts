// Gemini's answers are checked before a client shows or keeps them, because
// an image part can arrive broken: a proxy that re-encodes the JSON, a cut
// connection, a faulty front end. The emulator scripts the ways such a part
// can be wrong, one per layer a client must check: the base64 text, the
// bytes' magic, the picture behind a valid magic, and the declared type.

import { randomBytes } from 'node:crypto';

export type ImageDamage =
  /** Characters outside the base64 alphabet, mid-text: a lenient decoder skips them and yields garbage. */
  | 'base64'
  /** Valid base64 of bytes that are no image type (the first bytes overwritten). */
  | 'magic'
  /** A JPEG's magic bytes followed by noise: no decoder can read its header. */
  | 'header'
  /** An intact JPEG whose part says image/png. */
  | 'mislabelled';

/** The inline blob of `jpeg` broken as `damage` says (or intact). */
export function imageBlob(jpeg: Buffer, damage: ImageDamage | 'intact' = 'intact'): { mimeType: string; data: string } {
  const base64 = jpeg.toString('base64');
  switch (damage) {
    case 'intact':
      return { mimeType: 'image/jpeg', data: base64 };
    case 'base64':
      // Three stray characters shift every later byte: Buffer.from(…, 'base64') still returns something.
      return { mimeType: 'image/jpeg', data: `${base64.slice(0, 40)}!*~${base64.slice(40)}` };
    case 'magic':
      return { mimeType: 'image/jpeg', data: Buffer.concat([Buffer.from('<!DOCTYPE html>'), jpeg.subarray(15)]).toString('base64') };
    case 'header':
      return { mimeType: 'image/jpeg', data: Buffer.concat([jpeg.subarray(0, 4), randomBytes(Math.max(64, jpeg.length - 4))]).toString('base64') };
    case 'mislabelled':
      return { mimeType: 'image/png', data: base64 };
  }
}
