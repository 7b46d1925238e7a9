import type { AttachmentSource } from '../attachments/fetchAttachment.js';
import type { GeneratedImage } from '../gemini/generationOutcome.js';
import type { ModelRange, RequestedImageSettings } from '../gemini/imageOptions.js';
import type { AccessResult } from '../settings/checkAccess.js';
import type { EffectiveSettings } from '../settings/guildSettings.js';
import type { ThreadConversation } from '../conversation/loadConversation.js';
import type { Refusal } from '../refusals/refusal.js';
import type { FreshStart } from './turnPlan.js';
import type { TurnOutcome } from './turnOutcome.js';

/** What a conversation turn is asked to do, from a message, a slash command or a button. */
export interface TurnRequest {
  /** The thread whose conversation continues; undefined starts a new conversation (and thread). */
  threadId: string | undefined;
  /**
   * A new conversation's channel, where its thread opens, when it was asked
   * for in a channel known to be no thread (what the interaction or message
   * names). Kept with the record when discord.js no longer holds the channel
   * once the answer is posted (deleted meanwhile), so the channel's deletion
   * still finds it. Undefined inside a thread, or when the channel could not
   * be told: a thread's id is never taken for a channel's (review 6 F4).
   */
  channelId?: string | undefined;
  guildId: string;
  authorId: string;
  prompt: string;
  /** The user's reference images, downloaded once the turn's place in line is taken. */
  attachments: AttachmentSource[];
  /** The bot message the user replied to, if any. */
  replyToMessageId?: string | undefined;
  /** That message's images, sent along when the history does not hold it (see planTurn). */
  repliedImages?: AttachmentSource[] | undefined;
  /**
   * The images of the latest message the bot posted in this thread (else
   * of the message the thread was started from); none when there is none.
   * Asked only when the thread's stored history cannot be read (see
   * planTurn); never rejects. Absent where nobody can look. A callback, not
   * a value: it costs a Discord round trip that almost no turn needs.
   */
  latestPostedImages?: (() => Promise<AttachmentSource[]>) | undefined;
  /** Image options the user chose now, as asked: the plan checks them against the model (a thread, or a rerolled turn, otherwise keeps its own). */
  settings: RequestedImageSettings;
  /** Ground this turn in Google Search (the /imagine search option). */
  search?: boolean | undefined;
  /**
   * A reroll: the turn at this position again, replaying only the history
   * before it and its user parts exactly, with its words and image options.
   * The answer is added at the end.
   */
  replay?: { messageId: string } | undefined;
  /**
   * Upscale: the turn builds on the replied image's own turn (the image
   * redrawn from itself), not on the thread since: on
   * GEMINI_API=interactions it continues from that image's interaction.
   * Absent, an edit of an earlier image builds on the whole thread.
   */
  buildsOnReplied?: boolean | undefined;
  /**
   * For a turn started by a message: true when this process is the one to
   * answer it (BotContext.claimEvent), false when another process on the
   * same shard claimed it first; never rejects. Called before a refusal is
   * posted, and by the turn once it holds its thread's lease: every process
   * sees a thread's messages in the same order, so the lease holder claiming
   * the next one keeps arrival order across processes. Interactions reach
   * one process only and need no claim. A callback, not a value: the
   * answer depends on the moment it is asked (in the line, under the lease).
   */
  claim?: (() => Promise<boolean>) | undefined;
  /** The model chosen with /imagine; only a new conversation takes it (a thread keeps its model). */
  model?: string | undefined;
  /**
   * What the server's settings say here (defaults and limits), or why the
   * member may not use the bot here. An interaction checked access before
   * answering (so that a refusal is private) and passes the settings it
   * found (`granted`). A message's turn reads it once it holds its place in
   * the thread's line (`read-in-line`), so that no read delays the arrival
   * order: a callback there, as the read must wait for the line.
   */
  access: { kind: 'granted'; settings: EffectiveSettings } | { kind: 'read-in-line'; read: () => Promise<AccessResult> };
  /**
   * For a request made on a result image (a button, the Edit form): whether
   * the thread's conversation, as the turn reads it in the thread's line,
   * holds that image and belongs where the member clicked; the refusal
   * otherwise. Checked on the turn's own read, so the click costs one read
   * of the record (on a shared store, each read is a round trip). A
   * callback, not data: the check asks Discord whether the thread still
   * exists and where it sits (components/locateResult.ts), against the
   * record as read in the line.
   */
  checkConversation?: ((stored: ThreadConversation) => Promise<Refusal | undefined>) | undefined;
}

/**
 * Where the request stands while it waits, or Gemini's latest sketch while
 * it draws (previews on); the answer replaces it. A sketch is only shown:
 * never a result, never stored apart from the answer's content, never charged.
 */
export type TurnProgress =
  | { kind: 'queued'; ahead: number }
  | { kind: 'retrying'; seconds: number }
  | { kind: 'sketch'; number: number; image: GeneratedImage; thought: string | undefined };

/** What went wrong after the answer was posted. */
export type TurnWarning = { kind: 'not-saved'; reference: string } | { kind: 'no-thread' };

/** The small print under an answer, and what its buttons offer (the adapter words and builds them). */
export interface AnswerNotes {
  authorId: string;
  prompt: string;
  /** Set when the thread's stored history could not be read and the turn went on without it. */
  freshStart?: FreshStart | undefined;
  /** Oldest exchanges left out to stay under the request budget. */
  droppedExchanges: number;
  /** Oldest exchanges left out because they were made on the other Gemini API (an operator switched GEMINI_API): they cannot be sent on this one. */
  otherApiExchanges: number;
  /** Oldest exchanges left out because an image of theirs (or of one after them) is gone from the image store. */
  lostExchanges: number;
  /** What the model that made the answer makes: its buttons offer that (no Upscale 4K without 4K). */
  range: ModelRange;
}

/** An answer as posted: the message a conversation is keyed by, and how to open its thread. */
export interface PostedAnswer {
  messageId: string;
  /** The channel the conversation's thread is (or, for a new conversation, will be) in; undefined when it cannot be told. */
  parentChannelId?: string | undefined;
  /** A new conversation's thread, started from the answer's message (so it has that message's id). */
  openThread(prompt: string): Promise<void>;
}

/**
 * Where a turn's outcome goes, implemented by the Discord adapter (a
 * deferred reply, the conversation's thread, a reply to a message). The turn
 * hands over outcomes and facts; every sentence a member reads is worded
 * there.
 */
export interface TurnDelivery {
  /** Settles when the request was acknowledged (a deferred interaction); a failure ends the turn. */
  ready: Promise<unknown>;
  /** Shows where the request stands (queue position, retries, a sketch); the answer replaces it. */
  progress(progress: TurnProgress): Promise<void>;
  /** Shows the outcome where the member asked. */
  post(outcome: TurnOutcome, notes?: AnswerNotes): Promise<PostedAnswer>;
  /** Tells the member something went wrong after the answer was posted. */
  warn(warning: TurnWarning): Promise<unknown>;
}

/** The access an interaction already checked, as a TurnRequest takes it. */
export function grantedAccess(settings: EffectiveSettings): TurnRequest['access'] {
  return { kind: 'granted', settings };
}
