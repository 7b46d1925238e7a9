import { userItemOf, type ContentItem, type InteractionStep } from '../gemini/interactionSteps.js';
import type { Exchange, StoredStep } from '../conversation/conversationRecord.js';
import { outgoingParts, type OutgoingContent, type OutgoingPart } from '../conversation/outgoingParts.js';
import { slotImage, storedImageSlot } from './streamedRequestBody.js';

// Signature replay: every stored turn as it is sent again, the user's parts and then the model's answer exactly as
// Gemini returned it, its thought signatures included. Gemini 3 signs its answers (`thoughtSignature` on
// generateContent's parts, `signature` on the Interactions API's thought and search steps) and refuses (400
// INVALID_ARGUMENT) a multi-turn edit whose replayed answer lacks or alters them, so nothing here is rebuilt from
// known fields: the stored answer is the wire answer, only its image bytes moved to the blob store, read back while
// the request body streams. Each API replays only the answers it sent (the turn leaves the others out).

/** generateContent's contents for the stored exchanges: each user content, then the model's content as received. */
export function replayWithSignatures(exchanges: readonly Exchange[]): OutgoingContent[] {
  return exchanges.flatMap(({ user, model }) => {
    if (model.api !== 'generate-content') return [];
    return [
      { role: 'user' as const, parts: outgoingParts(user.parts) },
      { ...model.contentFields, role: 'model' as const, parts: outgoingParts(model.parts) },
    ];
  });
}

export type ReplayedSteps = { ok: true; steps: InteractionStep[] } | { ok: false; missingBlob: string };

/**
 * The Interactions API's input steps for the stored exchanges: each user
 * turn as a user_input step, then the model's steps exactly as received
 * (their signatures inside, untouched), each image a body slot.
 */
export function replayStepsWithSignatures(exchanges: readonly Exchange[]): ReplayedSteps {
  const steps: InteractionStep[] = [];
  for (const { user, model } of exchanges) {
    if (model.api !== 'interactions') continue;
    const input = userInputStep(outgoingParts(user.parts));
    if (!input.ok) return input;
    steps.push(input.step);
    for (const stored of model.steps) {
      const step = stepWithImageSlots(stored);
      if (!step.ok) return step;
      steps.push(step.step);
    }
  }
  return { ok: true, steps };
}

/** A user turn as the Interactions API takes it: one user_input step, its text and image items (images as body slots). */
export function userInputStep(parts: readonly OutgoingPart[]): { ok: true; step: InteractionStep } | { ok: false; missingBlob: string } {
  const content: ContentItem[] = [];
  for (const part of parts) {
    const slotted = slotImage(part);
    if ('missingBlob' in slotted) return { ok: false, missingBlob: slotted.missingBlob };
    const item = userItemOf(slotted.wire, slotted.image?.slot);
    if (item) content.push(item);
  }
  return { ok: true, step: { type: 'user_input', content } };
}

/** A stored step with each image's bytes back in its item, as a slot the body fills from the blob store. */
function stepWithImageSlots({ raw, images = [] }: StoredStep): { ok: true; step: InteractionStep } | { ok: false; missingBlob: string } {
  const step: InteractionStep = { ...raw };
  for (const image of images) {
    const slot = storedImageSlot(image);
    if (!slot.ok) return slot;
    const items = [...(step[image.in] as unknown[])];
    items[image.index] = { ...(items[image.index] as object), data: slot.slot };
    step[image.in] = items;
  }
  return { ok: true, step };
}
