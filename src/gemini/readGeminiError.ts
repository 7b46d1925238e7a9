import { z } from 'zod';
import type { GeminiFailure } from './generationOutcome.js';

/**
 * Google's error body, as either API writes it: generateContent gives a
 * number `code` (the HTTP status) and a `status` name, the Interactions API
 * a string `code` (a name, or a URI ending in one: FACTS).
 */
const errorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.union([z.string(), z.number()]).nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ '@type': z.string().nullish() })).nullish(),
  }),
});

/** google.rpc code names, for an error that arrives inside a stream (no HTTP status of its own). */
const STATUS_OF_CODE: Record<string, number> = {
  invalid_argument: 400,
  failed_precondition: 400,
  out_of_range: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  aborted: 409,
  already_exists: 409,
  resource_exhausted: 429,
  cancelled: 499,
  internal: 500,
  unknown: 500,
  data_loss: 500,
  unimplemented: 501,
  unavailable: 503,
  deadline_exceeded: 504,
};

/**
 * google.rpc.Code numbers (google/rpc/code.proto), which an error inside a
 * stream may give as its `code` instead of an HTTP status: read as the name
 * they stand for, so UNAVAILABLE (14) is retried as a 503 is. 0 (OK) is no error.
 */
const NAME_OF_GRPC_CODE: readonly string[] = [
  'ok',
  'cancelled',
  'unknown',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'data_loss',
  'unauthenticated',
];

/** An HTTP error answer of either API, its body read whatever it holds; the HTTP status stands whatever the body says. */
export function readHttpFailure(status: number, text: string): GeminiFailure {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'http', status, apiStatus: undefined, message: `HTTP ${status}` };
  }
  return failureFromError(status, json);
}

/**
 * An error inside a 200 stream, of either API (`{"error": {...}}`), which
 * has no HTTP status of its own: the status its code (or its status name)
 * names (an HTTP status, a google.rpc.Code name, or its number), so the
 * retry policy treats it like the same error before the stream. An error that names none keeps 500 for the member's message,
 * marked guessed so it is never retried: it may be a quota or an invalid
 * argument, which another try would only repeat and maybe bill.
 */
export function readStreamedError(json: unknown): GeminiFailure {
  return failureFromError(undefined, json);
}

function failureFromError(status: number | undefined, json: unknown): GeminiFailure {
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) {
    const guessed = status ?? 500;
    return { kind: 'http', status: guessed, apiStatus: undefined, message: `HTTP ${guessed}`, ...(status === undefined ? { statusGuessed: true as const } : {}) };
  }
  const { code, message, status: statusName, details } = parsed.data.error;
  const name = statusName ? statusName.toLowerCase() : typeof code === 'string' ? codeName(code) : grpcCodeName(code);
  const named = typeof code === 'number' && code >= 400 && code < 600 ? code : STATUS_OF_CODE[name ?? ''];
  const httpStatus = status ?? named ?? 500;
  return {
    kind: 'http',
    status: httpStatus,
    apiStatus: name ? name.toUpperCase() : undefined,
    message: message ?? `HTTP ${httpStatus}`,
    retryDelayMs: readRetryDelay(details ?? []),
    quotaPeriod: readQuotaPeriod(details ?? []),
    ...(status === undefined && named === undefined ? { statusGuessed: true as const } : {}),
  };
}

/** The name of a google.rpc.Code number (1-16); undefined for any other value. */
function grpcCodeName(code: number | null | undefined): string | undefined {
  return typeof code === 'number' && Number.isInteger(code) && code >= 1 && code < NAME_OF_GRPC_CODE.length ? NAME_OF_GRPC_CODE[code] : undefined;
}

/**
 * The code's name: the SDK documents ErrorT.code as "a URI that identifies
 * the error type", so its last path segment ('…/errors/resource_exhausted');
 * a bare name ('RESOURCE_EXHAUSTED', 'not_found') is its own last segment.
 */
function codeName(code: string): string {
  const path = code.split(/[?#]/)[0] ?? '';
  return (path.split('/').filter(Boolean).at(-1) ?? '').toLowerCase();
}

/** The delay google.rpc.RetryInfo asks for, in ms: a protobuf Duration such as "57.2s". */
function readRetryDelay(details: Array<Record<string, unknown>>): number | undefined {
  for (const detail of details) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(String(detail['retryDelay'] ?? ''));
    if (match) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

/** google.rpc.QuotaFailure names the quota; a per-day one will not clear by retrying soon. */
function readQuotaPeriod(details: Array<Record<string, unknown>>): 'day' | 'minute' | undefined {
  for (const detail of details) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.QuotaFailure')) continue;
    const text = JSON.stringify(detail['violations'] ?? []);
    if (/PerDay|per_day|per day/i.test(text)) return 'day';
    if (/PerMinute|per_minute|per minute/i.test(text)) return 'minute';
  }
  return undefined;
}

/**
 * An HTTP Retry-After header, in ms: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or
 * unreadable (the caller backs off by itself then), and never below zero.
 */
export function readRetryAfter(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // A date names its day and month in letters; Date.parse alone would read "-5" as a year.
  const at = /[A-Za-z]/.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
