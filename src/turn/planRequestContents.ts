import { editTargetIndex, finalImagesOf } from '../conversation/editTarget.js';
import { isGone, type Exchange } from '../conversation/conversationRecord.js';
import { contentBytes, lostImageExchanges, oldestToDrop, partsBytes, storedExchangeSizes } from '../limits/historyBudget.js';
import { StoredImagePart, type OutgoingPart } from '../conversation/outgoingParts.js';
import { textPart, type GeminiPart } from '../gemini/geminiTypes.js';
import { readInlineData } from '../gemini/inlineData.js';
import { blobIdOf } from '../store/blobStore.js';
import type { GeminiApi, ReplayScope } from './geminiTransport.js';

/**
 * What the request is chosen from: planTurn chooses it before the turn waits
 * for anything, by the sizes the member's files declare; generateTurn checks
 * it again once they are downloaded, only when one turned out larger.
 */
export interface RequestInput {
  /** What of its conversation the turn sends on this API (GeminiTransport.scope): a reroll's stops before its turn. */
  scope: ReplayScope;
  /**
   * The API the turn is sent on. Its answers only can be replayed: those of
   * the other API, and every one before them, are left out (the edited image
   * then travels with the new turn).
   */
  api: GeminiApi;
  /**
   * The API that made the record's latest answer (none for a new conversation or a fresh start). The member is told
   * of a switch of GEMINI_API on the first turn after it only: then the latest answer is still the other API's. The
   * scope cannot tell it, since it may end earlier in the thread (an upscale of an older image, a reroll).
   */
  latestApi: GeminiApi | undefined;
  /**
   * How many of the thread's oldest turns the member was told lost images leave out (the record's
   * lostImageTurnsTold, 0 when none): a turn that leaves out no more says nothing, as the switch of GEMINI_API is
   * said once (latestApi). Counted from the thread's oldest turn, as the scope is, whatever turn the scope ends at.
   */
  lostImageTurnsTold: number;
  prompt: string;
  /**
   * What the member's references add to the new turn: declaredImageBytes of
   * their files before the download, partsBytes of the parts after.
   */
  referenceBytes: number;
  /**
   * The bot message the member replied to, if any: its image is the one
   * edited, sent again when it is not the last thing Gemini sees (as much
   * when Gemini holds the conversation as in a replay).
   */
  replyToMessageId?: string | undefined;
  /** A reroll: this user turn exactly as first sent, after the scope's exchanges (its images may still be stored). */
  exactUserParts?: OutgoingPart[] | undefined;
}

/** The request chosen for a turn: the history to send, and what the new user turn carries besides the references. */
export interface ChosenRequest {
  kind: 'ready';
  /** The conversation up to where the turn builds (ReplayScope.exchanges): the transport goes on from its last exchange when Gemini holds it. */
  thread: readonly Exchange[];
  /** Gemini holds `thread` (ReplayScope.held): the turn is sent on from there, and Gemini reads all of it; `history` is the fallback replay. */
  held: boolean;
  /** The newest of `thread` a stateless replay sends within the budget, oldest first: the transport replays each with its signatures (signatureReplay.ts). */
  history: Exchange[];
  /** The edited image's final images, when they travel with the new turn (after the words, before the references). */
  resentImages: OutgoingPart[];
  /** The references' size the choice was made for (RequestInput.referenceBytes). */
  referenceBytes: number;
  /** Oldest exchanges `history` leaves out to stay within the budget (besides those of the other API). */
  droppedExchanges: number;
  /**
   * Oldest exchanges `history` leaves out because the other API made them (or one after them): an operator switched
   * GEMINI_API. Counted on the first turn after the switch only (RequestInput.latestApi), so the member is told
   * once; later turns leave the same ones out without saying it again, an upscale or reroll that reaches back
   * before the switch too.
   */
  otherApiExchanges: number;
  /**
   * Oldest exchanges `history` leaves out because an image of theirs (or of one after them) is gone from the
   * store (besides those of the other API). Counted only when more than the member was told of
   * (RequestInput.lostImageTurnsTold): later turns leave the same ones out without saying it again.
   */
  lostExchanges: number;
}

export type RequestPlan = ChosenRequest | { kind: 'unreadable'; missingBlob: string } | { kind: 'too-large' };

/**
 * The contents to send: the newest exchanges that fit the budget, then the
 * new user turn (text, the edited image when it is not the last thing Gemini
 * will see, then the user's references: see newUserParts). The budget is
 * applied to the stored sizes; the history's images stay in the store until
 * the request body streams them. Pure: test/turn/planRequestContents.test.ts
 * tries each case.
 */
export function planRequestContents(input: RequestInput, budgetBytes: number): RequestPlan {
  const textParts = wordsOf(input.prompt);
  const { api } = input;
  const { exchanges, held } = input.scope;
  const target = editTargetIndex(exchanges, input.replyToMessageId);
  const unreplayable = exchanges.findLastIndex((exchange) => storedBy(exchange) !== api) + 1;
  // Left out like the other API's: a replay starts after the last exchange whose image the store lost.
  const lost = lostImageExchanges(exchanges);
  const leftOutAnyway = Math.max(unreplayable, lost);
  const sizes = storedExchangeSizes(exchanges);
  // A reroll sends its own parts exactly, its references among them; any other turn its words and the member's references.
  const ownBytes = input.exactUserParts ? contentBytes(input.exactUserParts) : contentBytes(textParts) + input.referenceBytes;
  // What re-sending the edited exchange's final images would add to the new turn.
  const targetBytes = target >= 0 ? contentBytes(finalImagesOf(exchanges[target]!.model)) : 0;
  // A reroll sends its own user parts exactly; any other turn that edits an earlier image may re-send it.
  const mayResend = !input.exactUserParts && target >= 0;
  // An image before the latest is re-sent whether Gemini holds the conversation or is sent it again.
  const olderImage = mayResend && target < exchanges.length - 1;
  let resend = olderImage;
  const toDrop = (newTurnBytes: number) => {
    const overBudget = oldestToDrop(sizes, newTurnBytes, budgetBytes);
    return overBudget === undefined ? undefined : Math.max(overBudget, leftOutAnyway);
  };
  const ready = (history: Exchange[], resentImages: OutgoingPart[], dropped: number): RequestPlan => {
    // planTurn starts afresh when the image edited (or a reroll's own) is the one lost; this holds the line behind it.
    const gone = [...resentImages, ...(input.exactUserParts ?? [])].find((part) => part instanceof StoredImagePart && isGone(part.blob));
    if (gone instanceof StoredImagePart) return { kind: 'unreadable', missingBlob: gone.blob.sha256 };
    return {
      kind: 'ready',
      thread: exchanges,
      held,
      history,
      resentImages,
      referenceBytes: input.referenceBytes,
      // Each note says how many of the oldest turns were left out in all, so each is true read alone (a note's count
      // less the others' would say "its 1 oldest" of a turn that was the third): a note is said when its reason
      // reaches further back than the reasons before it.
      droppedExchanges: dropped > leftOutAnyway ? dropped : 0,
      otherApiExchanges: input.latestApi !== undefined && input.latestApi !== api ? unreplayable : 0,
      lostExchanges: lost > unreplayable && lost > input.lostImageTurnsTold ? lost : 0,
    };
  };
  let dropped = toDrop(ownBytes + (resend ? targetBytes : 0));
  // When the budget (or the other API) leaves out the exchange being edited, its image must travel with the new turn instead.
  if (dropped !== undefined && mayResend && !resend && dropped > target) {
    resend = true;
    dropped = toDrop(ownBytes + targetBytes);
  }
  if (dropped === undefined && held && !olderImage && toDrop(ownBytes) !== undefined) {
    // Only re-sending the latest image breaks the budget, and Gemini holds the conversation, which ends with it: the
    // turn sent on from there needs none (the budget bounds only a replay); a fallback replay goes without the
    // history, and the member hears it was left out (droppedExchanges).
    return ready([], [], exchanges.length);
  }
  if (dropped === undefined) return { kind: 'too-large' };

  return ready(exchanges.slice(dropped), input.exactUserParts || !resend ? [] : finalImagesOf(exchanges[target]!.model), dropped);
}

/**
 * The new user turn, once the member's references are downloaded: a
 * reroll's parts exactly; else the words, the edited image when it travels
 * along (unless the member attached that very image), then the references.
 */
export function newUserParts(input: Pick<RequestInput, 'prompt' | 'exactUserParts'>, chosen: ChosenRequest, references: GeminiPart[]): OutgoingPart[] {
  if (input.exactUserParts) return input.exactUserParts;
  return [...wordsOf(input.prompt), ...withoutImagesIn(chosen.resentImages, references), ...references];
}

function wordsOf(prompt: string): OutgoingPart[] {
  return prompt ? [textPart(prompt)] : [];
}

/** Which API answered an exchange (each replays only its own: its answers' signatures belong to its wire shape). */
function storedBy(exchange: Exchange): GeminiApi {
  return exchange.model.api;
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
