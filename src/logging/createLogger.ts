import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The one logger: structured JSON lines. Secret-bearing fields are redacted
 * in case an error object ever carries request headers.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
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
