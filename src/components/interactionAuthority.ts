import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ButtonInteraction, Interaction, ModalSubmitInteraction, ThreadChannel } from 'discord.js';
import type { CustomId, ResultAction } from '../discord/customIds.js';
import type { ConversationRecord } from '../conversation/conversationRecord.js';

/*
 * Authority comes only from what Discord vouches for in an interaction: its
 * server, its channel, the member (with roles and permissions) and, for a
 * component, the message it is on. A custom id comes back from the member's
 * client, and a modified client can send any, another server's ids included:
 * every id in it is a claim, checked here against those facts before any
 * handler sees it. Handlers get only the checked target.
 */

/** A result button, on the message Discord says was clicked. */
export interface ResultTarget {
  kind: 'result';
  action: ResultAction;
  messageId: string;
}

export type FormTarget =
  /** The Edit form: the image message whose Edit button opened it, as Discord sends it with the form. */
  | { kind: 'edit-modal'; messageId: string }
  /** "Edit with Gemini": a message, read through the channel the form was submitted in and never another. */
  | { kind: 'compose-modal'; messageId: string };

export type Verified<T> = { ok: true; target: T } | { ok: false; refusal: { kind: 'stale-button' | 'stale-form' | 'form-not-here' } };

const STALE_BUTTON = { ok: false, refusal: { kind: 'stale-button' } } as const;
const STALE_FORM = { ok: false, refusal: { kind: 'stale-form' } } as const;
const NOT_HERE = { ok: false, refusal: { kind: 'form-not-here' } } as const;

/**
 * A button: only result buttons exist, and they act on the message they are
 * on. Discord delivers clicks only on the app's own messages; the author
 * check is defence in depth.
 */
export function verifyButton(interaction: ButtonInteraction, id: CustomId | undefined): Verified<ResultTarget> {
  if (id?.kind !== 'result' || interaction.message.author.id !== interaction.client.user.id) return STALE_BUTTON;
  return { ok: true, target: { kind: 'result', action: id.action, messageId: interaction.message.id } };
}

/**
 * What "Edit with Gemini" was used on, for whom: a context menu names a
 * message Discord vouched the member could see, but the form it opens comes
 * back without it, so the form carries the message's id with this signature
 * (an HMAC keyed by formSigningKey, which only the bot knows). A member who
 * swaps in the id of a message they never picked, in a channel where they
 * cannot read the history, gets a form that no longer verifies.
 */
export function composeClaimSignature(key: Buffer, claim: { guildId: string; channelId: string; messageId: string; userId: string }): string {
  const signed = ['compose-modal', claim.guildId, claim.channelId, claim.messageId, claim.userId].join(':');
  // 128 bits are ample against guessing, and keep the custom id within Discord's 100 characters.
  return createHmac('sha256', key).update(signed).digest().subarray(0, 16).toString('base64url');
}

/**
 * The key form claims are signed with, derived once from the bot token: only
 * the bot knows it, it changes when the token is reset (open forms then go
 * stale), and the token itself never has to travel past startup.
 */
export function formSigningKey(botToken: string): Buffer {
  return createHmac('sha256', botToken).update('nb1 form claims').digest();
}

/** A submitted form: the ids in its custom id must name this interaction's own message or channel. */
export function verifyForm(interaction: ModalSubmitInteraction, id: CustomId | undefined, key: Buffer): Verified<FormTarget> {
  switch (id?.kind) {
    case 'edit-modal':
      // A form opened by a button comes back with that button's message: the one image it may edit.
      if (!interaction.isFromMessage() || interaction.message.id !== id.messageId) return NOT_HERE;
      return { ok: true, target: { kind: 'edit-modal', messageId: interaction.message.id } };
    case 'compose-modal':
      // The form is submitted where "Edit with Gemini" was used; the message is then read through this channel only.
      if (id.channelId !== interaction.channelId || !interaction.guildId) return NOT_HERE;
      {
        const expected = composeClaimSignature(key, { guildId: interaction.guildId, channelId: interaction.channelId, messageId: id.messageId, userId: interaction.user.id });
        if (!sameText(expected, id.signature)) return NOT_HERE;
      }
      return { ok: true, target: { kind: 'compose-modal', messageId: id.messageId } };
    default:
      return STALE_FORM;
  }
}

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Whether a stored conversation and its thread belong where the interaction
 * happened: the same server, and the thread itself or the channel it was
 * started in. Anything else is another server's or channel's business.
 * With only vouched message ids reaching locateResult this always holds
 * today; it is the last check before a conversation is acted on, so a new
 * way to name one cannot skip it.
 */
export function conversationBelongsHere(interaction: Interaction, record: ConversationRecord, thread: ThreadChannel): boolean {
  if (!interaction.guildId || record.guildId !== interaction.guildId || thread.guildId !== interaction.guildId) return false;
  return thread.id === interaction.channelId || thread.parentId === interaction.channelId;
}
