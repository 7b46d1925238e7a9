import type { Logger } from 'pino';
import type { GeminiClientOptions } from './geminiCall.js';
import { deleteInteraction } from './interactionsClient.js';

/**
 * Deletes interactions Google stores, one by one, best effort: each outcome
 * logged, never rejects. Used whatever GEMINI_API is now: a thread may hold
 * interactions from before an operator switched back to generate-content,
 * and the README promises Delete removes them.
 */
export async function forgetInteractions(
  deps: { client: Pick<GeminiClientOptions, 'apiUrl' | 'apiKey' | 'timeoutMs' | 'dispatcher'>; logger: Logger },
  interactionIds: readonly string[],
): Promise<void> {
  for (const id of interactionIds) {
    const deleted = await deleteInteraction(deps.client, id);
    if (deleted.ok) deps.logger.info({ interactionId: id }, 'deleted the interaction Google stored');
    else deps.logger.warn({ interactionId: id, problem: deleted.problem }, 'could not delete the interaction Google stored; it expires with its retention');
  }
}
