// The public face of the emulator's Interactions API (POST, GET and DELETE
// /v1beta/interactions): what a test can script, inspect and control.

import type { IncomingHttpHeaders } from 'node:http';
import type { Step } from './interactionsRequest.js';
import type { DeleteFailure } from './interactionsStore.js';
import type { Behaviour } from './types.js';

export type { Step as InteractionStep } from './interactionsRequest.js';

/** Google's statuses (confirmed: the SDK's InteractionStatus) and any future one a test invents. */
export type InteractionStatus =
  | 'completed'
  | 'failed'
  | 'incomplete'
  | 'cancelled'
  | 'in_progress'
  | 'requires_action'
  | 'budget_exceeded'
  | (string & {});

/**
 * What the model does with the next valid interaction. Every shared
 * Behaviour works here too (mapped as interactionsAnswer.ts describes), so
 * one scripted test runs on both APIs; these three exist only here.
 */
export type InteractionBehaviour =
  | Behaviour
  /** HTTP 200 with this status; a signed thought and a model_output with `text` when text is given, no steps otherwise. */
  | { kind: 'status'; status: InteractionStatus; text?: string }
  /** A model_output step carrying an error (google.rpc.Status) instead of content; the interaction's status is `status` (default failed). */
  | { kind: 'step-error'; code?: number; message?: string; status?: InteractionStatus }
  /**
   * HTTP 200 and the interaction stored, as for an image, but the answer is not what Google documents (its `usage`
   * a string, not an object), as a broken or changed API might send it: a client cannot read it, though it names its id.
   */
  | { kind: 'unreadable' };

/**
 * How a safety stop (shared behaviours 'prompt-blocked' and 'finish' with a
 * safety reason) appears, which Google does not document: 'text' (default,
 * what users report) is HTTP 200, status completed, only the model's text;
 * 'failed' is HTTP 200 with status failed and no steps.
 */
export type SafetyStyle = 'text' | 'failed';

export interface RecordedInteractionRequest {
  method: 'POST' | 'GET' | 'DELETE';
  /** The interaction's id: the one in the path (GET, DELETE) or the one created (POST, once answered 200). */
  interactionId?: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (POST), or undefined when there was none or it was not JSON. */
  body: unknown;
  /** Bytes of the request body as received: what the bot sent over the wire. */
  bytes: number;
  /** The HTTP status sent; 0 while unanswered or when the socket was reset. */
  status: number;
  /** The JSON body sent back, exactly as sent; for a stream, the events written so far (without the closing [DONE]). */
  response?: unknown;
  /** Bytes of the response body written so far. */
  responseBytes: number;
  /** For a stream answered 200: 'streaming' while it runs, then how it ended. */
  streamEnd?: 'streaming' | 'complete' | 'cut' | 'ended' | 'error' | 'client-gone';
  /** Deprecated fields the request used (generation_config.image_config, response_modalities, response_mime_type). */
  deprecated: string[];
  receivedAt: Date;
}

/** An interaction as Google keeps it (store: true), for tests to inspect. */
export interface StoredInteractionView {
  id: string;
  model: string;
  previousInteractionId?: string;
  status: InteractionStatus;
  /** This interaction's own steps: its input as user_input steps, then the model's. */
  steps: Step[];
  /** Everything the model saw and said up to and including this interaction, oldest first. */
  history: Step[];
  createdAt: Date;
  /** Past the retention, or expired by the test: continuing from it fails as an unknown id would. */
  expired: boolean;
}

export interface InteractionsEmulator {
  /** Every call to /v1beta/interactions, in arrival order, including rejected ones. */
  requests: RecordedInteractionRequest[];
  /** Behaviours for the Interactions route only, FIFO; taken before the shared `enqueue` queue. */
  enqueue(...behaviours: InteractionBehaviour[]): void;
  /** A stored interaction (deleted ones are gone; expired ones say so). */
  stored(id: string): StoredInteractionView | undefined;
  /** Ids of the interactions stored and not deleted, oldest first. */
  storedIds(): string[];
  /** Ends one interaction's retention now. */
  expire(id: string): void;
  /** Moves the emulator's clock on: interactions older than the retention expire. No real waiting. */
  advanceClock(ms: number): void;
  /** How long an interaction stays usable (default 24 hours, the free tier's; 55 days on the paid tier). */
  setRetention(ms: number): void;
  /**
   * The HTTP status for an unknown or expired previous_interaction_id, which
   * Google does not document (other clients handle both): 404 (default) or 400.
   * 'generic' wording: a message that names neither the id nor the field
   * (Google's usual "Requested entity was not found."), also undocumented.
   */
  setUnknownIdStatus(status: 404 | 400, wording?: 'names-id' | 'generic'): void;
  setSafetyStyle(style: SafetyStyle): void;
  /**
   * Holds the next DELETE before it is answered (the interaction stays stored meanwhile), as a slow answer from
   * Google would: `reached` resolves with its interaction id once it arrived, `release` lets it be answered.
   */
  holdNextDelete(): { reached: Promise<string>; release(): void };
  /**
   * Holds every DELETE from now on before it is answered, until `release` (which answers them and stops holding):
   * `waiting` gives the ids of those that arrived and wait now, so a test sees how many a client sends at once.
   */
  holdDeletes(): { waiting(): string[]; release(): void };
  /** Answers the next DELETE with this error status (503 unless told), as a Google in trouble would: the interaction stays stored. */
  failNextDelete(status?: number): void;
  /**
   * Answers the next DELETEs with these failures, one each in arrival order (after any already scripted): a 429 is
   * RESOURCE_EXHAUSTED with RetryInfo when `retryDelay` ('0.05s') is given, and any status gets a Retry-After header
   * when `retryAfter` ('1') is. The interaction stays stored.
   */
  failDeletes(...failures: DeleteFailure[]): void;
}
