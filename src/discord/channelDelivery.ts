import type { Message } from 'discord.js';
import type { RenderedMessage } from './renderOutcome.js';

/**
 * Where one request's messages go in Discord, as words and files: a deferred
 * interaction reply (interactionDelivery), the conversation's thread for a
 * button or form (threadDelivery), or a reply to a message (messageDelivery).
 * turnDeliveryTo puts the turn's outcomes into words on top of it.
 */
export interface ChannelDelivery {
  /** Settles when the request was acknowledged (a deferred interaction); a failure ends the turn. */
  ready: Promise<unknown>;
  /**
   * Shows where the request stands (queue position, retries) or Gemini's
   * latest sketch, in the member's pending reply; the answer replaces it in
   * the same message where Discord allows, its files included.
   */
  progress(message: RenderedMessage): Promise<void>;
  /** Posts the answer where the member asked. */
  post(message: RenderedMessage): Promise<Message>;
  /** The largest file the destination accepts. */
  uploadLimitBytes: number;
  /** Tells the member something went wrong after the answer was posted. */
  warn(text: string): Promise<unknown>;
}
