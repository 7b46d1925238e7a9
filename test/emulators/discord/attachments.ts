import { extname } from 'node:path';
import type { APIAttachment } from 'discord.js';
import type { World } from './state.js';

const MIME_BY_EXTENSION: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.mp4': 'video/mp4',
  '.pdf': 'application/pdf',
};

export function guessContentType(filename: string): string | undefined {
  return MIME_BY_EXTENSION[extname(filename).toLowerCase()];
}

/** Discord rewrites uploaded filenames: spaces become underscores, other unsafe characters vanish. */
export function sanitizeFilename(filename: string): string {
  const cleaned = filename.replace(/\s+/g, '_').replace(/[^A-Za-z0-9._-]/g, '');
  return cleaned.length > 0 ? cleaned : 'unknown';
}

/** width/height for PNG, GIF, JPEG and WebP (VP8X); Discord includes them for images. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 24 && bytes[0] === 0x89 && ascii(1, 4) === 'PNG' && ascii(12, 16) === 'IHDR') {
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 10 && ascii(0, 3) === 'GIF') {
    return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
  }
  if (bytes.length >= 30 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP' && ascii(12, 16) === 'VP8X') {
    const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    return { width: u24(24) + 1, height: u24(27) + 1 };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2;
    while (at + 9 < bytes.length) {
      if (bytes[at] !== 0xff) return undefined;
      const marker = bytes[at + 1]!;
      const length = view.getUint16(at + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
      }
      at += 2 + length;
    }
  }
  return undefined;
}

export interface NewAttachment {
  bytes: Uint8Array;
  filename: string;
  contentType?: string;
  declaredSize?: number;
  description?: string;
  title?: string;
  ephemeral?: boolean;
}

/**
 * Stores bytes and returns a real-shaped attachment. URLs look like Discord's signed CDN URLs
 * (`/attachments/{channel}/{attachment}/{filename}?ex=&is=&hm=`); the CDN ignores the signature.
 */
export function storeAttachment(world: World, origin: string, channelId: string, input: NewAttachment): APIAttachment {
  const id = world.ids.next();
  const filename = sanitizeFilename(input.filename);
  const contentType = input.contentType || guessContentType(filename) || 'application/octet-stream';
  const path = `/attachments/${channelId}/${id}/${filename}`;
  world.files.set(path, { bytes: input.bytes, contentType });
  const issued = Math.floor(Date.now() / 1000);
  const signature = `?ex=${(issued + 86400).toString(16)}&is=${issued.toString(16)}&hm=${id}&`;
  const attachment: APIAttachment = {
    id,
    filename,
    size: input.declaredSize ?? input.bytes.byteLength,
    url: `${origin}${path}${signature}`,
    proxy_url: `${origin}/proxy${path}${signature}`,
    content_type: contentType,
  };
  const size = contentType.startsWith('image/') ? imageSize(input.bytes) : undefined;
  if (size) Object.assign(attachment, size, { placeholder_version: 1 });
  if (input.description !== undefined) attachment.description = input.description;
  if (input.title !== undefined) attachment.title = input.title;
  if (input.ephemeral) attachment.ephemeral = true;
  return attachment;
}

/** Resolves an attachment URL (or proxy URL) back to the stored bytes. */
export function lookupFile(world: World, url: string) {
  const pathname = new URL(url, 'http://x').pathname.replace(/^\/proxy\//, '/');
  return world.files.get(decodeURIComponent(pathname)) ?? world.files.get(pathname);
}
