import type { Logger } from 'pino';
import { eachAtMost } from '../lines/eachAtMost.js';
import type { GeminiClientOptions } from './geminiCall.js';
import { deleteInteraction } from './interactionsClient.js';

/**
 * How many DELETEs go to Google at once: a deleted channel asks for all its
 * threads' interactions together, hundreds maybe, each with a timeout of its
 * own; one by one a slow Google would take minutes, all at once a burst.
 */
const DELETES_AT_ONCE = 4;

/**
 * Deletes interactions Google stores, a few at a time, best effort: each
 * outcome logged, never rejects. Returns the ids Google did not confirm gone
 * (a 2xx or a 404 does), in the order asked, for the caller to ask again later. Used whatever GEMINI_API is now: a thread may hold
 * interactions from before an operator switched back to generate-content,
 * and the README promises Delete removes them.
 */
export async function forgetInteractions(
  deps: { client: Pick<GeminiClientOptions, 'apiUrl' | 'apiKey' | 'timeoutMs' | 'dispatcher'>; logger: Logger },
  interactionIds: readonly string[],
): Promise<string[]> {
  const confirmed = await eachAtMost(interactionIds, DELETES_AT_ONCE, async (id) => {
    const deleted = await deleteInteraction(deps.client, id);
    if (deleted.ok) deps.logger.info({ interactionId: id }, 'deleted the interaction Google stored');
    else deps.logger.warn({ interactionId: id, problem: deleted.problem }, 'could not delete the interaction Google stored; asked again on a later Delete, or it expires with its retention');
    return deleted.ok;
  });
  return interactionIds.filter((_, index) => !confirmed[index]);
}
