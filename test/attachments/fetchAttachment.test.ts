import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAttachment, type AttachmentPolicy } from '../../src/attachments/fetchAttachment.js';

const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 7)]);
let server: Server;
let origin: string;
let policy: AttachmentPolicy;

beforeAll(async () => {
  server = createServer((request, response) => {
    switch (request.url) {
      case '/ok.png':
        response.writeHead(200, { 'content-type': 'text/plain' }).end(png); // a lying content type
        return;
      case '/redirect':
        response.writeHead(302, { location: 'http://127.0.0.2:1/elsewhere' }).end();
        return;
      case '/big':
        response.writeHead(200);
        response.write(png);
        response.end(Buffer.alloc(2000));
        return;
      case '/empty':
        response.writeHead(200).end();
        return;
      case '/text':
        response.writeHead(200, { 'content-type': 'image/png' }).end('hello, not an image');
        return;
      case '/hang':
        response.writeHead(200);
        response.write(png.subarray(0, 4));
        return; // never ends
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Time enough for any download from loopback on a busy machine; the stalled one is given up after its own short limit.
  policy = { allowedOrigins: [origin], maxBytes: 1000, timeoutMs: 10_000 };
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const source = (pathname: string, size = 10) => ({ url: `${origin}${pathname}`, name: pathname.slice(1), size });

describe('downloading an attachment as untrusted input', () => {
  it('returns the exact bytes and the type sniffed from them', async () => {
    const result = await fetchAttachment(source('/ok.png'), policy);
    expect(result).toMatchObject({ ok: true, mimeType: 'image/png' });
    expect(result.ok && Buffer.compare(result.bytes, png)).toBe(0);
  });

  it('never fetches from an origin outside the allow-list', async () => {
    const result = await fetchAttachment({ url: 'http://127.0.0.9:1/x.png', name: 'x.png', size: 1 }, policy);
    expect(result).toEqual({ ok: false, name: 'x.png', problem: 'origin-not-allowed' });
    expect(await fetchAttachment({ url: 'not a url', name: 'y', size: 1 }, policy)).toMatchObject({ problem: 'origin-not-allowed' });
  });

  it('does not follow a redirect', async () => {
    expect(await fetchAttachment(source('/redirect'), policy)).toMatchObject({ ok: false, problem: 'unreachable' });
  });

  it('refuses a declared size over the cap without downloading, and a body larger than declared while reading', async () => {
    expect(await fetchAttachment(source('/ok.png', 5000), policy)).toMatchObject({ ok: false, problem: 'too-large' });
    expect(await fetchAttachment(source('/big', 10), policy)).toMatchObject({ ok: false, problem: 'too-large' });
  });

  it('names empty, non-image, missing and stalled downloads', async () => {
    expect(await fetchAttachment(source('/empty'), policy)).toMatchObject({ problem: 'empty' });
    expect(await fetchAttachment(source('/text'), policy)).toMatchObject({ problem: 'not-an-image' });
    expect(await fetchAttachment(source('/missing'), policy)).toMatchObject({ problem: 'unreachable' });
    expect(await fetchAttachment(source('/hang'), { ...policy, timeoutMs: 300 })).toMatchObject({ problem: 'timeout' });
  });
});
