import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

/**
 * An error nobody planned for: logged once with its context and a short
 * reference, while the user reads a sentence with that reference and never
 * a stack trace.
 */
export function reportUnexpectedError(bot: { logger: Logger }, error: unknown, context: Record<string, unknown>): string {
  const reference = randomUUID().slice(0, 8);
  bot.logger.error({ err: error, reference, ...context }, 'unexpected error while handling a request');
  return `Something went wrong on my side (reference ${reference}). Please try again.`;
}
