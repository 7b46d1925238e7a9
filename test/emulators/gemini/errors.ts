// Google APIs report every failure in one envelope,
// {"error": {"code", "message", "status", "details": [...]}}, where each detail
// is a google.rpc message tagged with "@type". The bot's error handling reads
// exactly this shape, so the emulator never answers an error in any other.

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

/** An HTTP status plus the Google error body to send with it. */
export interface GeminiError {
  httpStatus: number;
  body: GoogleErrorBody;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const TYPE_PREFIX = 'type.googleapis.com/google.rpc.';

export function googleError(httpStatus: number, message: string, details?: unknown[]): GeminiError {
  const error: GoogleErrorBody['error'] = {
    code: httpStatus,
    message,
    status: STATUS_NAMES[httpStatus] ?? 'UNKNOWN',
  };
  if (details && details.length > 0) error.details = details;
  return { httpStatus, body: { error } };
}

export function invalidArgument(message: string, details?: unknown[]): GeminiError {
  return googleError(400, message, details);
}

/** A 400 whose cause is one field, with the google.rpc.BadRequest detail Google adds. */
export function invalidField(field: string, message: string): GeminiError {
  return invalidArgument(message, [
    { '@type': `${TYPE_PREFIX}BadRequest`, fieldViolations: [{ field, description: message }] },
  ]);
}

export function missingApiKey(): GeminiError {
  return googleError(
    403,
    "Method doesn't allow unregistered callers (callers without established identity). " +
      'Please use API Key or other form of API consumer identity to call this API.',
  );
}

export function invalidApiKey(): GeminiError {
  const message = 'API key not valid. Please pass a valid API key.';
  return invalidArgument(message, [
    {
      '@type': `${TYPE_PREFIX}ErrorInfo`,
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': `${TYPE_PREFIX}LocalizedMessage`, locale: 'en-US', message },
  ]);
}

/**
 * Google does accept `?key=` on the real API, but a key in a URL ends up in
 * logs and error messages, so this emulator refuses it to keep the bot honest.
 */
export function apiKeyInQuery(): GeminiError {
  return invalidArgument(
    'API key must not be sent as the "key" query parameter (this emulator refuses it so the bot ' +
      'never leaks its key into URLs); send it in the x-goog-api-key header.',
  );
}

export function unknownModel(model: string): GeminiError {
  return googleError(
    404,
    `models/${model} is not found for API version v1beta, or is not supported for generateContent. ` +
      'Call ListModels to see the list of available models and their supported methods.',
  );
}

export function unknownMethod(): GeminiError {
  return googleError(404, 'Method not found.');
}

export interface QuotaErrorOptions {
  model: string;
  quota: 'minute' | 'day';
  retryDelay?: string;
  message?: string;
}

/** 429 with the QuotaFailure naming the quota and, when given, RetryInfo. */
export function resourceExhausted(options: QuotaErrorOptions): GeminiError {
  const perDay = options.quota === 'day';
  const details: unknown[] = [
    {
      '@type': `${TYPE_PREFIX}QuotaFailure`,
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_requests_per_model',
          quotaId: perDay
            ? 'GenerateRequestsPerDayPerProjectPerModel'
            : 'GenerateRequestsPerMinutePerProjectPerModel',
          quotaDimensions: { location: 'global', model: options.model },
          quotaValue: perDay ? '250' : '20',
        },
      ],
    },
    {
      '@type': `${TYPE_PREFIX}Help`,
      links: [
        {
          description: 'Learn more about Gemini API quotas',
          url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
        },
      ],
    },
  ];
  if (options.retryDelay !== undefined) {
    details.push({ '@type': `${TYPE_PREFIX}RetryInfo`, retryDelay: options.retryDelay });
  }
  const message =
    options.message ??
    'You exceeded your current quota, please check your plan and billing details. For more ' +
      'information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';
  return googleError(429, message, details);
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Request contains an invalid argument.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
};

/** The error a test asked for with `{ kind: 'error', status }`. */
export function scriptedError(
  status: number,
  model: string,
  options: { retryDelay?: string; quota?: 'minute' | 'day'; message?: string },
): GeminiError {
  if (status === 429) {
    return resourceExhausted({
      model,
      quota: options.quota ?? 'minute',
      retryDelay: options.retryDelay,
      message: options.message,
    });
  }
  // Google attaches RetryInfo to transient errors now and then; tests may ask for it.
  const details: unknown[] = [];
  if (options.retryDelay !== undefined) {
    details.push({ '@type': `${TYPE_PREFIX}RetryInfo`, retryDelay: options.retryDelay });
  }
  return googleError(status, options.message ?? DEFAULT_MESSAGES[status] ?? 'Error', details);
}
