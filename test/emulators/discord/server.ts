import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cdn } from './cdn.js';
import type { Gateway } from './gateway.js';
import { handleRest, type RestOptions } from './rest.js';

/**
 * One loopback HTTP server for everything: REST under /api, the gateway as a WebSocket upgrade
 * on any path (discord.js connects to `url?v=10&encoding=json`), and the CDN for the rest.
 */
export async function startServer(rest: Omit<RestOptions, 'origin' | 'gatewayUrl'>, gateway: Gateway, cdn: Cdn) {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      handleRest(req, res, url, { ...rest, origin: () => origin, gatewayUrl: () => gatewayUrl() }).catch((error: unknown) => {
        console.error('[discord-emulator] REST failure', error);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    } else {
      cdn.handle(req, res, url);
    }
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  const gatewayUrl = () => `ws://127.0.0.1:${port}`;
  return {
    server,
    origin,
    gatewayUrl: gatewayUrl(),
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
