import type { IncomingMessage, ServerResponse } from 'node:http';
import { lookupFile } from './attachments.js';
import type { World } from './state.js';
import type { CdnHandler } from './types.js';

/** Serves stored attachments (and /proxy/ copies, Discord's media proxy) plus test-registered routes. */
export class Cdn {
  readonly extraRoutes = new Map<string, CdnHandler>();

  constructor(private readonly world: World) {}

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const extra = this.extraRoutes.get(url.pathname);
    if (extra) return extra(req, res);
    const file = req.method === 'GET' || req.method === 'HEAD' ? lookupFile(this.world, url.pathname) : undefined;
    if (!file) {
      // Discord's CDN answers unknown/expired attachments with a plain-text 404.
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('This content is no longer available.');
      return;
    }
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-length': file.bytes.byteLength,
      'cache-control': 'public, max-age=31536000',
    });
    res.end(req.method === 'HEAD' ? undefined : Buffer.from(file.bytes));
  }
}
