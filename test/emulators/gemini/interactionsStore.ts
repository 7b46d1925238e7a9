// The interactions Google keeps (store: true is the default, confirmed), with
// the retention a test controls: a clock it moves on and an expiry it can
// force, so expiry is proven without waiting. Google keeps them 55 days on
// the paid tier and 1 day on the free tier (FACTS, from Google's guide).
//
// Each stored interaction holds the whole history it ends (ASSUMED: that a
// continuation does not depend on its ancestors still being stored; Google
// does not say what deleting an earlier interaction does to later ones).

import { randomBytes } from 'node:crypto';
import type { Interactions } from '@google/genai';
import type { Step } from './interactionsRequest.js';
import type {
  InteractionBehaviour,
  InteractionStatus,
  RecordedInteractionRequest,
  SafetyStyle,
  StoredInteractionView,
} from './interactionsTypes.js';

export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface StoredInteraction {
  id: string;
  model: string;
  previousInteractionId?: string;
  status: InteractionStatus;
  /** This interaction's input, as steps. */
  input: Step[];
  /** The model's steps. */
  output: Step[];
  /** Everything up to and including this interaction. */
  history: Step[];
  usage: Interactions.Usage;
  /** On the emulator's clock. */
  createdAt: number;
  expiredByTest: boolean;
}

/** Mutable state of the Interactions route, shared by the server and the test's handle. */
export interface InteractionsState {
  /** Behaviours for this route only, taken before the shared queue. */
  queue: InteractionBehaviour[];
  requests: RecordedInteractionRequest[];
  stored: Map<string, StoredInteraction>;
  /** Added to the real clock by advanceClock. */
  clockOffsetMs: number;
  retentionMs: number;
  unknownIdStatus: 404 | 400;
  /** Whether the unknown-id error's message names the id (undocumented too). */
  unknownIdWording: 'names-id' | 'generic';
  safetyStyle: SafetyStyle;
  /** holdNextDelete: the next DELETE waits for `released` before it is answered; `arrived` hears its id. */
  deleteHold?: { arrived(id: string): void; released: Promise<void> } | undefined;
  /** holdDeletes: every DELETE waits for `released`; `waiting` lists the ids of those held now. */
  deleteHolds?: { waiting: string[]; released: Promise<void> } | undefined;
  /** failNextDelete / failDeletes: how the next DELETEs are answered, one each in arrival order, the interaction left stored. */
  deleteFailures: DeleteFailure[];
}

/** A scripted failure of a DELETE: its status, with a 429's RetryInfo delay ('2s') or a Retry-After header ('2'). */
export interface DeleteFailure {
  status: number;
  retryDelay?: string | undefined;
  retryAfter?: string | undefined;
}

export function newInteractionsState(retentionMs = DEFAULT_RETENTION_MS): InteractionsState {
  return { queue: [], requests: [], deleteFailures: [], stored: new Map(), clockOffsetMs: 0, retentionMs, unknownIdStatus: 404, unknownIdWording: 'names-id', safetyStyle: 'text' };
}

export function emulatorNow(state: InteractionsState): number {
  return Date.now() + state.clockOffsetMs;
}

/** Real ids look like "v1_" and a long base64url token; the bot must treat them as opaque. */
export function newInteractionId(): string {
  return `v1_${randomBytes(24).toString('base64url')}`;
}

export function isExpired(state: InteractionsState, interaction: StoredInteraction): boolean {
  return interaction.expiredByTest || emulatorNow(state) - interaction.createdAt >= state.retentionMs;
}

/** The interaction a request may use, or undefined when it was never stored, was deleted or has expired. */
export function usableInteraction(state: InteractionsState, id: string): StoredInteraction | undefined {
  const interaction = state.stored.get(id);
  return interaction && !isExpired(state, interaction) ? interaction : undefined;
}

export function viewOf(state: InteractionsState, interaction: StoredInteraction): StoredInteractionView {
  const view: StoredInteractionView = {
    id: interaction.id,
    model: interaction.model,
    status: interaction.status,
    steps: [...interaction.input, ...interaction.output],
    history: interaction.history,
    createdAt: new Date(interaction.createdAt),
    expired: isExpired(state, interaction),
  };
  if (interaction.previousInteractionId !== undefined) view.previousInteractionId = interaction.previousInteractionId;
  return view;
}
