/** Why one of the member's attachments cannot be used (fetchAttachment finds it; a refusal carries it). */
export type AttachmentProblem = 'origin-not-allowed' | 'too-large' | 'empty' | 'truncated' | 'not-an-image' | 'unreachable' | 'timeout';

/**
 * Every way the bot declines a request before (or instead of) asking Gemini:
 * a closed set apart from generation outcomes, each with the facts its
 * sentence needs. Whoever refuses says which one; discord/describeRefusal.ts
 * is the one place each is put into words, so a member reads the same
 * sentence for the same refusal wherever it happens.
 */
export type Refusal =
  // Who may use the bot where (the server's /settings).
  /** The server limits the bot to these channels. */
  | { kind: 'channel-not-allowed'; channelIds: readonly string[] }
  /** The server requires a role; its name when Discord still knows it (a mention would ping). */
  | { kind: 'role-required'; roleName: string | undefined }
  /** The server's settings record cannot be read: failing open would drop its channels, role and budget. */
  | { kind: 'settings-damaged' }
  /** The bot lacks Discord permissions it needs here: their names as a server admin sees them in Discord's settings. */
  | { kind: 'missing-permissions'; permissions: readonly string[] }
  // Limits.
  /** A server limit would be passed. `used`/`allowed` are images, or USD for the budget. */
  | { kind: 'limit-reached'; limit: 'daily-images' | 'monthly-budget'; resetsAt: Date; used: number; allowed: number }
  /** The member already has this many requests going. */
  | { kind: 'user-limit'; limit: number }
  /** Too many requests are waiting across the bot. */
  | { kind: 'queue-full' }
  // What a request names.
  /** A button or form of an older version of the bot, or one it never made. */
  | { kind: 'stale-button' }
  | { kind: 'stale-form' }
  /** A form whose ids name another message or channel than the one it came back from. */
  | { kind: 'form-not-here' }
  /** A command the bot no longer has (a stale registration). */
  | { kind: 'unknown-command' }
  /** Anywhere but a server (a DM, a user install). */
  | { kind: 'servers-only' }
  /** A command whose options do not match what the bot registered (an older client): each problem in words. */
  | { kind: 'options-unreadable'; command: string; problems: readonly string[] }
  /** The process is stopping: new requests are turned away until it is back. */
  | { kind: 'restarting' }
  /** A bot message that belongs to no conversation the bot can continue. */
  | { kind: 'not-a-conversation' }
  /** The conversation's thread is gone. */
  | { kind: 'thread-gone' }
  /** A stored conversation that names another server: never continued, sent or shown, whether a reply or a button asks. */
  | { kind: 'other-server' }
  /** The turn a reroll names was deleted meanwhile. */
  | { kind: 'turn-gone' }
  /** The thread's model was withdrawn by the operator (another model cannot carry its signatures). */
  | { kind: 'model-withdrawn'; model: string }
  /** The thread's saved history cannot be read, and this request cannot go on without it. */
  | { kind: 'history-unreadable' }
  // What a request sends.
  /** More reference images than Gemini takes in one request. */
  | { kind: 'too-many-attachments'; count: number; limit: number }
  /** Attachments that cannot be used, each with why: Gemini is not asked. */
  | { kind: 'attachments-rejected'; rejected: Array<{ name: string; problem: AttachmentProblem }> }
  /** Even the new turn alone (its words and images) is over the request budget. */
  | { kind: 'history-too-large' }
  /**
   * An aspect ratio or size the model does not make (imageOptions.ts), typed by hand, from a stale
   * client, or asked of a conversation or server whose model is another: refused before any call.
   * `value` is the member's own text; `accepted` what the model makes; `whose` model it is;
   * `modelKnown` false when the table does not know the model (`accepted` is then the cautious range).
   */
  | {
      kind: 'image-option-unsupported';
      model: string;
      whose: 'new-image' | 'conversation' | 'server';
      option: 'aspect-ratio' | 'size';
      value: string;
      accepted: readonly string[];
      modelKnown: boolean;
    }
  // What a request lacks.
  /** A mention or reply with neither words nor images. */
  | { kind: 'nothing-to-draw' }
  /** An Edit form submitted empty. */
  | { kind: 'empty-instruction' }
  /** "Edit with Gemini" on a message without images. */
  | { kind: 'no-images-to-edit' }
  /** The message "Edit with Gemini" was used on is gone (or has no images any more). */
  | { kind: 'message-gone' }
  /** Delete by someone who neither asked for the image nor may manage messages. */
  | { kind: 'not-yours-to-delete' }
  /** Branch where a new thread cannot be opened (not a text channel's thread, or the images cannot be read). */
  | { kind: 'cannot-branch-here' }
  /** /settings by a member without Manage Server. */
  | { kind: 'admins-only' };
