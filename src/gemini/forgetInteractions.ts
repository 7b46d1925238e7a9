import type { Logger } from 'pino';
import type { GeminiClientOptions } from './geminiCall.js';
import { deleteInteraction } from './interactionsClient.js';

/**
 * Deletes interactions Google stores, one by one, best effort: each outcome
 * logged, never rejects. Returns the ids Google did not confirm gone (a 2xx
 * or a 404 does), for the caller to ask again later. Used whatever GEMINI_API is now: a thread may hold
 * interactions from before an operator switched back to generate-content,
 * and the README promises Delete removes them.
 */
export async function forgetInteractions(
  deps: { client: Pick<GeminiClientOptions, 'apiUrl' | 'apiKey' | 'timeoutMs' | 'dispatcher'>; logger: Logger },
  interactionIds: readonly string[],
): Promise<string[]> {
  const notConfirmed: string[] = [];
  for (const id of interactionIds) {
    const deleted = await deleteInteraction(deps.client, id);
    if (deleted.ok) deps.logger.info({ interactionId: id }, 'deleted the interaction Google stored');
    else {
      notConfirmed.push(id);
      deps.logger.warn({ interactionId: id, problem: deleted.problem }, 'could not delete the interaction Google stored; asked again on a later Delete, or it expires with its retention');
    }
  }
  return notConfirmed;
}
