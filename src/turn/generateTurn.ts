import { blobIdOf } from '../store/blobStore.js';
import type { GenerationOutcome } from '../gemini/generationOutcome.js';
import type { TurnHooks } from './geminiTransport.js';
import { textPart, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ImageSettings } from '../gemini/imageOptions.js';
import { readInlineData } from '../gemini/inlineData.js';
import type { ConversationRecord, Exchange } from '../conversation/conversationRecord.js';
import type { EngineDependencies } from './engineDependencies.js';
import { approximateBytes, oldestToDrop, storedExchangeSizes, storedFinalImageBytes } from '../conversation/historySizes.js';
import { outgoingParts, StoredImagePart, type OutgoingContent, type OutgoingPart } from '../conversation/outgoingParts.js';
import { editTargetIndex, finalImagesOf } from '../conversation/editTarget.js';
import { replayWithSignatures } from '../conversation/signatureReplay.js';
import { checkAnswerImages } from './checkAnswerImages.js';
import type { TurnOutcome } from './turnOutcome.js';

export interface TurnInput {
  record: ConversationRecord | undefined;
  prompt: string;
  /** The user's own reference images, as inline parts. */
  references: GeminiPart[];
  /** The bot message the user replied to, if any. */
  replyToMessageId?: string | undefined;
  model: string;
  settings: ImageSettings;
  /** Ground the answer in Google Search results. */
  search?: boolean | undefined;
  /** A reroll: this user turn exactly as first sent (text, re-sent image and references), after `record`'s exchanges. */
  exactUserParts?: GeminiPart[] | undefined;
}

export interface GeneratedTurn {
  outcome: TurnOutcome;
  /** The user turn as sent; stored with the answer. */
  userParts: OutgoingPart[];
  retries: number;
  /** Oldest exchanges left out to stay under the request budget. */
  droppedExchanges: number;
}

/**
 * Sends the conversation so far plus the new user turn to Gemini and
 * classifies the answer. Call it holding a Gemini slot (GenerationQueue):
 * the slot bounds how many generations hold their big buffers at once.
 */
export async function generateTurn(deps: EngineDependencies, input: TurnInput, hooks: TurnHooks): Promise<GeneratedTurn> {
  const textParts = input.prompt ? [textPart(input.prompt)] : [];
  const done = (outcome: TurnOutcome, userParts: OutgoingPart[] = [], retries = 0, droppedExchanges = 0): GeneratedTurn => ({
    outcome,
    userParts,
    retries,
    droppedExchanges,
  });
  const unreadable = (missingBlob: string) => {
    deps.logger.error({ threadId: input.record?.threadId, missingBlob }, 'conversation history has a missing image blob');
    return done({ kind: 'history-unreadable' });
  };
  const prepared = prepareRequestContents(deps, input, textParts);
  if (prepared.kind === 'too-large') return done({ kind: 'history-too-large' });
  if (prepared.kind === 'unreadable') return unreadable(prepared.missingBlob);
  const call = await deps.gemini.generate(
    { model: input.model, history: prepared.history, userParts: prepared.userParts, settings: input.settings, search: input.search === true },
    hooks,
  );
  if (call.kind === 'unsendable') {
    if (call.missingBlob) return unreadable(call.missingBlob);
    deps.logger.error({ threadId: input.record?.threadId, problem: call.problem }, 'a stored image could not be read while sending the history');
    return done({ kind: 'history-unreadable' }, [], call.retries);
  }
  return done(await checkedOutcome(deps, input, call.outcome), prepared.userParts, call.retries, prepared.droppedExchanges);
}

/** Gemini's answer, its images checked before anything shows or keeps them. */
async function checkedOutcome(deps: EngineDependencies, input: TurnInput, parsed: GenerationOutcome): Promise<TurnOutcome> {
  if (parsed.kind !== 'images') return parsed;
  const outcome = await checkAnswerImages(parsed);
  const problems = outcome.kind === 'image-unreadable' ? outcome.problems : outcome.kind === 'images' ? outcome.unreadable : [];
  // Worth an operator's look: Gemini itself, or something between it and us, sent bytes that are no picture.
  if (problems.length > 0) deps.logger.warn({ threadId: input.record?.threadId, problems }, 'Gemini sent image parts that could not be read');
  return outcome;
}

type PreparedContents =
  | { kind: 'ready'; history: OutgoingContent[]; userParts: OutgoingPart[]; droppedExchanges: number }
  | { kind: 'unreadable'; missingBlob: string }
  | { kind: 'too-large' };

/**
 * The contents to send: the newest exchanges that fit the budget, then the
 * new user turn (text, the edited image when it is not the last thing Gemini
 * will see, then the user's references). The budget is applied to the
 * stored sizes; the history's images stay in the store until the request
 * body streams them.
 */
function prepareRequestContents(deps: Pick<EngineDependencies, 'historyBudgetBytes'>, input: TurnInput, textParts: GeminiPart[]): PreparedContents {
  const exchanges = input.record?.exchanges ?? [];
  const sizes = storedExchangeSizes(exchanges);
  // Records are migrated on read (migrateRecord): an image still without its length is one the store no longer has.
  if (!sizes) return { kind: 'unreadable', missingBlob: imageWithoutLength(exchanges) };
  const target = editTargetIndex(input.record, input.replyToMessageId);
  const ownBytes = approximateBytes({ role: 'user', parts: input.exactUserParts ?? [...textParts, ...input.references] });
  const targetBytes = target >= 0 ? (storedFinalImageBytes(exchanges[target]!) ?? sizes[target]!) : 0;
  // A reroll sends its own user parts exactly; any other turn that edits an earlier image may re-send it.
  const mayResend = !input.exactUserParts && target >= 0;
  let resend = mayResend && target < exchanges.length - 1;
  let dropped = oldestToDrop(sizes, ownBytes + (resend ? targetBytes : 0), deps.historyBudgetBytes);
  // When the budget leaves out the exchange being edited, its image must travel with the new turn instead.
  if (dropped !== undefined && mayResend && !resend && dropped > target) {
    resend = true;
    dropped = oldestToDrop(sizes, ownBytes + targetBytes, deps.historyBudgetBytes);
  }
  if (dropped === undefined) return { kind: 'too-large' };

  const kept = replayWithSignatures(exchanges.slice(dropped));
  const targetModel = !resend ? undefined : target >= dropped ? kept[(target - dropped) * 2 + 1] : modelContentOf(exchanges[target]!);
  const targetImages = withoutImagesIn(finalImagesOf(targetModel), input.references);
  const userParts = input.exactUserParts ?? [...textParts, ...targetImages, ...input.references];
  return { kind: 'ready', history: kept, userParts, droppedExchanges: dropped };
}

function modelContentOf(exchange: Exchange): OutgoingContent {
  return { role: 'model', parts: outgoingParts(exchange.model.parts) };
}

/** An image the user's own references already carry is not sent twice (hashing the references only when there is something to compare). */
function withoutImagesIn(images: OutgoingPart[], references: GeminiPart[]): OutgoingPart[] {
  if (images.length === 0 || references.length === 0) return images;
  const alreadySent = new Set(references.flatMap((part) => imageIdOf(part) ?? []));
  return images.filter((part) => !alreadySent.has(imageIdOf(part) ?? ''));
}

/** The blob id of a part's image, on hand or stored. */
function imageIdOf(part: OutgoingPart): string | undefined {
  if (part instanceof StoredImagePart) return part.blob.sha256;
  const inline = readInlineData(part);
  return inline ? blobIdOf(inline.data) : undefined;
}

function imageWithoutLength(exchanges: Exchange[]): string {
  const part = exchanges.flatMap((exchange) => [...exchange.user.parts, ...exchange.model.parts]).find((candidate) => candidate.blob && candidate.blob.length === undefined);
  return part?.blob?.sha256 ?? 'unknown';
}
