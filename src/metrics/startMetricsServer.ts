import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HealthReport } from './checkHealth.js';

export interface MetricsServerOptions {
  host: string;
  /** 0 lets the OS pick a free port (tests); `address` tells which. */
  port: number;
  registry: Registry;
  checkHealth(): Promise<HealthReport>;
  logger: Logger;
}

export interface MetricsServer {
  address: { host: string; port: number };
  close(): Promise<void>;
}

type Route = { kind: 'healthz' } | { kind: 'metrics' } | { kind: 'not-found' } | { kind: 'method-not-allowed' };

/** Two read-only paths; an unknown path is 404 whatever the method, a known one answers GET only. */
function routeRequest(method: string | undefined, url: string | undefined): Route {
  const path = new URL(url ?? '/', 'http://metrics.invalid').pathname;
  if (path !== '/healthz' && path !== '/metrics') return { kind: 'not-found' };
  if (method !== 'GET') return { kind: 'method-not-allowed' };
  return { kind: path === '/healthz' ? 'healthz' : 'metrics' };
}

/**
 * /healthz and /metrics over plain node:http: two routes do not need a
 * framework. Started only when METRICS_PORT is set.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    answer(options, request, response).catch((error: unknown) => {
      options.logger.error({ err: error, path: request.url }, 'metrics server could not answer');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.logger.error({ err: error }, 'metrics server error'));
  const bound = server.address() as AddressInfo;
  options.logger.info({ host: bound.address, port: bound.port }, 'serving /healthz and /metrics');
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its scrape connection open; without this close() would wait for it.
        server.closeAllConnections();
      }),
  };
}

async function answer(options: MetricsServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const route = routeRequest(request.method, request.url);
  switch (route.kind) {
    case 'not-found':
      sendText(response, 404, 'not found: try /healthz or /metrics\n');
      return;
    case 'method-not-allowed':
      response.setHeader('allow', 'GET');
      sendText(response, 405, 'method not allowed: GET only\n');
      return;
    case 'healthz': {
      const report = await options.checkHealth();
      const body = { status: report.healthy ? 'ok' : 'unavailable', checks: report.checks };
      response.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
      return;
    }
    case 'metrics': {
      const text = await options.registry.metrics();
      response.writeHead(200, { 'content-type': options.registry.contentType });
      response.end(text);
      return;
    }
  }
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}
