import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, errors } from './errors.js';
import { parseBody, readBody, type ParsedBody } from './multipart.js';
import { findRoute, type Reply, type Route } from './router.js';
import { appRoutes } from './routes-app.js';
import { channelRoutes } from './routes-channels.js';
import { interactionRoutes } from './routes-interactions.js';
import type { RestFault, World } from './state.js';
import type { RecordedRequest } from './types.js';

const ROUTES: Route[] = [...appRoutes, ...channelRoutes, ...interactionRoutes];

export interface RestLog {
  requests: RecordedRequest[];
  unexpectedRequests: RecordedRequest[];
}

export interface RestOptions {
  world: World;
  origin: () => string;
  gatewayUrl: () => string;
  log: RestLog;
}

/** Handles everything under /api. discord.js calls /api/v10/...; unversioned paths are treated as v10. */
export async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, options: RestOptions): Promise<void> {
  const { world, log } = options;
  const method = (req.method ?? 'GET').toUpperCase();
  // Decoded once here (discord.js sends `@original` as `%40original`, emoji percent-encoded).
  const path = decodePath(url.pathname.replace(/^\/api/, '').replace(/^\/v\d+(?=\/|$)/, '') || '/');
  const authorization = req.headers.authorization ?? null;
  const record: RecordedRequest = {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    json: undefined,
    files: [],
    status: 0,
    authorization,
    at: Date.now(),
  };
  log.requests.push(record);
  let reply: Reply;
  try {
    let body: ParsedBody = { json: undefined, files: [], length: 0 };
    const raw = await readBody(req);
    try {
      body = await parseBody(req.headers['content-type'], raw);
    } finally {
      record.json = body.json;
      record.files = body.files;
    }
    const { route, params, pathKnown } = findRoute(ROUTES, method, path);
    if (!route) {
      log.unexpectedRequests.push(record);
      // Discord answers a known path with the wrong method with 405, anything else with 404.
      throw pathKnown ? new ApiError(405, 0, '405: Method Not Allowed') : errors.notFound();
    }
    if (route.auth && authorization !== `Bot ${world.token}`) throw errors.unauthorized();
    const fault = await applyFault(world, method, path);
    reply = await route.handler({
      world,
      origin: options.origin(),
      gatewayUrl: options.gatewayUrl(),
      params,
      query: url.searchParams,
      body,
    });
    if (fault?.answerHeldUntil) await fault.answerHeldUntil.catch(() => undefined);
  } catch (error) {
    if (!(error instanceof ApiError)) {
      // An emulator bug must be loud, not look like a Discord outage the bot retries through.
      console.error('[discord-emulator] handler crashed', method, path, error);
      reply = { status: 500, body: { message: '500: Internal Server Error', code: 0 } };
    } else {
      reply = { status: error.status, body: error.body() };
    }
  }
  record.status = reply.status;
  send(res, reply);
}

/** The first scripted fault matching this call, if any: waits its delay, then throws its error; returned, for a hold of its answer. */
async function applyFault(world: World, method: string, path: string): Promise<RestFault | undefined> {
  const fault = world.faults.find((candidate) => candidate.remaining > 0 && candidate.method === method && candidate.path.test(path));
  if (!fault) return undefined;
  fault.remaining -= 1;
  fault.onHeld?.();
  if (fault.delayMs > 0) await sleep(fault.delayMs);
  if (fault.holdUntil) await fault.holdUntil.catch(() => undefined);
  if (fault.error) throw new ApiError(fault.error.status, fault.error.code, fault.error.message);
  return fault;
}

function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status === 200 ? 204 : reply.status);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
