import type { ParsedBody } from './multipart.js';
import type { World } from './state.js';

export interface RestContext {
  world: World;
  /** http://127.0.0.1:PORT — CDN origin for attachment URLs. */
  origin: string;
  gatewayUrl: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: ParsedBody;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Handler = (ctx: RestContext) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: string;
  /** Bot-token routes need `Authorization: Bot <token>`; interaction callbacks/webhooks authenticate by path token. */
  auth: boolean;
  handler: Handler;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const noContent = (): Reply => ({ status: 204 });

export function route(method: string, pattern: string, handler: Handler, auth = true): Route {
  return { method, pattern, auth, handler };
}

/** Matches `/a/:x/b` against a path; literal segments (e.g. `@original`) must match exactly. */
export function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      params[w.slice(1)] = g;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
}

export function findRoute(routes: Route[], method: string, path: string) {
  let pathKnown = false;
  for (const r of routes) {
    const params = matchPattern(r.pattern, path);
    if (!params) continue;
    pathKnown = true;
    if (r.method === method) return { route: r, params, pathKnown };
  }
  return { route: undefined, params: {}, pathKnown };
}
