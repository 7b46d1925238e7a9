// The Interactions API reports failures as {"error": {"code", "message"}}
// where `code` is a string (confirmed: the @google/genai SDK's ErrorT type,
// generated from Google's API description, and its 4XX/5XX error classes).
// Which strings Google puts there is not documented. The emulator ASSUMES
// the lower-case name of the google.rpc status the same failure has on
// generateContent ("invalid_argument", "not_found", "resource_exhausted"),
// so a bot must branch on the HTTP status, never on the code's text. A 429
// keeps the google.rpc details generateContent sends (RetryInfo among them):
// also an assumption, so a bot must cope without them.

import type { GeminiError } from './errors.js';

export interface InteractionsErrorBody {
  error: { code: string; message: string; details?: unknown[] };
}

/** An HTTP status plus the Interactions error body to send with it. */
export interface InteractionsError {
  httpStatus: number;
  body: InteractionsErrorBody;
}

const CODES: Record<number, string> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'aborted',
  429: 'resource_exhausted',
  500: 'internal',
  503: 'unavailable',
  504: 'deadline_exceeded',
};

export function interactionsError(httpStatus: number, message: string, details?: unknown[]): InteractionsError {
  const error: InteractionsErrorBody['error'] = { code: CODES[httpStatus] ?? 'unknown', message };
  if (details && details.length > 0) error.details = details;
  return { httpStatus, body: { error } };
}

export function invalidRequest(message: string): InteractionsError {
  return interactionsError(400, message);
}

/**
 * The same failure generateContent reports (API key, quota, scripted 5xx),
 * in the Interactions shape: its status name lower-cased, its details kept.
 */
export function fromGoogleError(error: GeminiError): InteractionsError {
  const { code, message, status, details } = error.body.error;
  const converted = interactionsError(code, message, details);
  converted.body.error.code = status.toLowerCase();
  return converted;
}

/** A request naming an interaction that is not (or no longer) stored. */
export function unknownInteraction(id: string, httpStatus: 400 | 404, wording: 'names-id' | 'generic' = 'names-id'): InteractionsError {
  if (wording === 'generic') return interactionsError(httpStatus, httpStatus === 404 ? 'Requested entity was not found.' : 'Request contains an invalid argument.');
  return httpStatus === 404
    ? interactionsError(404, `Interaction ${id} not found.`)
    : interactionsError(400, `Invalid previous_interaction_id: interaction ${id} does not exist or has expired.`);
}

export function methodNotFound(): InteractionsError {
  return interactionsError(404, 'Method not found.');
}
