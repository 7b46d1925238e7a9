import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

/**
 * The one logger: structured JSON lines. Secret-bearing fields are redacted
 * in case an error object ever carries request headers.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: { err: serializeError },
      redact: {
        paths: [
          '*.headers.authorization',
          '*.headers["x-goog-api-key"]',
          'token',
          '*.token',
          'apiKey',
          '*.apiKey',
          'geminiApiKey',
          '*.geminiApiKey',
          'discordToken',
          '*.discordToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * discord.js errors carry the request that failed: its body holds the image
 * being uploaded (megabytes of Buffer) and its URL an interaction token.
 * Neither belongs in a log line.
 */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = stdSerializers.err(error) as unknown as Record<string, unknown>;
  delete serialized['requestBody'];
  if (typeof serialized['url'] === 'string') serialized['url'] = redactTokens(serialized['url']);
  if (typeof serialized['stack'] === 'string') serialized['stack'] = redactTokens(serialized['stack']);
  if (typeof serialized['message'] === 'string') serialized['message'] = redactTokens(serialized['message']);
  return serialized;
}

function redactTokens(text: string): string {
  return text.replace(/\/(webhooks|interactions)\/(\d+)\/[^/?\s]+/g, '/$1/$2/[token]');
}
