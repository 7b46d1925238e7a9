import type { Exchange } from '../conversation/conversationRecord.js';
import type { GenerationResult, Reservation } from '../limits/usageBudget.js';
import type { GeneratedTurn } from './generateTurn.js';
import type { TurnDependencies } from './turnDependencies.js';
import { storedAnswerImages } from '../conversation/storedParts.js';
import type { TurnOutcome } from './turnOutcome.js';
import type { GoPlan } from './turnPlan.js';
import { isRecord } from '../gemini/isRecord.js';

/**
 * What Gemini billed: answers, refusals and unreadable images are recorded; a
 * call that never got an answer costs nothing. Never rejects: a commit that
 * fails is logged, and its hold keeps guarding the limits until a restart
 * (or, on a shared store, until the hold expires).
 */
export async function recordUsage(bot: Pick<TurnDependencies, 'logger'>, reservation: Reservation, turn: GeneratedTurn): Promise<void> {
  const billed = billedImages(turn.outcome);
  if (!billed) return;
  try {
    await reservation.commit(billed);
  } catch (error) {
    bot.logger.error({ err: error }, 'could not record usage for a generation');
  }
}

/** Gemini bills every final image it produced, read or not; a refusal or a text answer only its tokens. */
function billedImages(outcome: TurnOutcome): GenerationResult | undefined {
  switch (outcome.kind) {
    case 'images':
      return { images: outcome.images.length + outcome.unreadable.length, usage: outcome.usage, outcome: outcome.kind };
    case 'image-unreadable':
      return { images: outcome.images, usage: outcome.usage, outcome: outcome.kind };
    case 'no-image':
    case 'blocked':
      return { images: 0, usage: outcome.usage, outcome: outcome.kind };
    default:
      return undefined;
  }
}

/** Gemini counts up to about 2,000 tokens for a 4K image it reads back. */
const TOKENS_PER_IMAGE = 2_000;
/** About 4 characters a token of text (Google's rule of thumb for Gemini's tokenizer): near enough for a hold. */
const CHARACTERS_PER_TOKEN = 4;

/**
 * An upper estimate of the input tokens a planned turn is billed for, from its plan without loading an image: what
 * its request sends, not the thread's whole history. A replay sends `history`, the newest exchanges that fit
 * HISTORY_BUDGET_MB after those a lost image or the other API leaves out, so a long thread is not held at the price
 * of turns it will not send (and refused by the monthly budget for them). Where Gemini holds the conversation the
 * turn goes on from all of `thread` instead, which Google counts as input (the Interactions API's usage includes
 * the history it holds); the plan cannot know yet whether that holds or the transport falls back to a replay, so
 * it holds the larger. A plan made again mid-turn (a lost image found, a file larger than declared) sends less
 * history than this one, so this hold still covers it. The history's text counts too (earlier prompts, text answers,
 * thought summaries): a long, wordy thread is billed for it on every turn.
 */
export function estimateInputTokens(plan: Pick<GoPlan, 'request' | 'prompt' | 'attachments' | 'replayUserParts'>): number {
  const { request } = plan;
  const sent = request.held ? request.thread : request.history;
  // A reroll sends its turn's own parts again exactly, images included (they are not in the history it replays).
  const replayedImages = (plan.replayUserParts ?? []).filter((part) => part.blob).length;
  const images = sent.reduce((count, exchange) => count + imagesIn(exchange), 0) + request.resentImages.length + plan.attachments.length + replayedImages;
  // A reroll's prompt is its turn's words (planTurn), so they are counted once, here.
  const characters = sent.reduce((count, exchange) => count + textCharactersIn(exchange), 0) + plan.prompt.length;
  return images * TOKENS_PER_IMAGE + Math.ceil(characters / CHARACTERS_PER_TOKEN) + 1_000;
}

function imagesIn(exchange: Exchange): number {
  return exchange.user.parts.filter((part) => part.blob).length + storedAnswerImages(exchange.model).length;
}

/**
 * The characters of text an exchange sends again: every `text` of its parts (generateContent) or steps
 * (Interactions: its outputs' and thought summaries' items), read from the raw shapes as stored. Signatures are
 * opaque bytes for the model, not text it reads; images are counted apart (their stored data is emptied).
 */
function textCharactersIn(exchange: Exchange): number {
  const answer = exchange.model.api === 'generate-content' ? exchange.model.parts : exchange.model.steps;
  return [...exchange.user.parts, ...answer].reduce((count, { raw }) => count + textCharacters(raw), 0);
}

function textCharacters(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((count: number, item) => count + textCharacters(item), 0);
  if (!isRecord(value)) return 0;
  return Object.entries(value).reduce((count, [key, field]) => count + (key === 'text' && typeof field === 'string' ? field.length : textCharacters(field)), 0);
}
