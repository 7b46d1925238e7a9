import type { Exchange } from './conversationRecord.js';
import { outgoingParts, type OutgoingContent } from './outgoingParts.js';

/**
 * Signature replay: every stored turn as it will be sent again, the user's
 * parts and then the model's content exactly as Gemini returned it, its
 * thought signatures included. Gemini 3 signs the parts of its answers
 * (`thoughtSignature`) and refuses (400 INVALID_ARGUMENT) a multi-turn edit
 * whose replayed parts lack or alter them, so nothing here is rebuilt from
 * known fields: the stored part is the wire part, only its image bytes moved
 * to the blob store, read back while the request body streams.
 *
 * On the Interactions API (GEMINI_API=interactions) the same contents go
 * out as steps: interactionsTransport.ts turns each model content back into
 * the steps Google sent (gemini/interactionSteps.ts, contentToSteps), whose
 * signatures sit inside them untouched. That replay runs only when Google no
 * longer keeps the thread; otherwise the turn continues from its interaction.
 */
export function replayWithSignatures(exchanges: Exchange[]): OutgoingContent[] {
  return exchanges.flatMap((exchange) => [
    { role: 'user' as const, parts: outgoingParts(exchange.user.parts) },
    { ...exchange.model.contentFields, role: 'model' as const, parts: outgoingParts(exchange.model.parts) },
  ]);
}
