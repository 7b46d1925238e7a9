import { z } from 'zod';
import { snowflake } from './snowflake.js';

/**
 * Component custom ids are state the bot gets back from Discord, possibly
 * weeks later and after restarts, so they are versioned and validated like
 * any other input. Everything else a button needs (which conversation, which
 * image) comes from the message the button is on. Discord allows 100 characters.
 */
const VERSION = 'nb1';
/** A truncated HMAC-SHA256 in base64url (see interactionAuthority.ts). */
const signature = z.string().regex(/^[\w-]{22}$/);

const RESULT_ACTIONS = ['reroll', 'edit', 'upscale-2k', 'upscale-4k', 'branch', 'delete'] as const;
export type ResultAction = (typeof RESULT_ACTIONS)[number];

export type CustomId =
  | { kind: 'result'; action: ResultAction }
  /** The modal the Edit button opens, for the image message it was on. */
  | { kind: 'edit-modal'; messageId: string }
  /** The modal "Edit with Gemini" opens, for a message in a channel, signed for the member it was shown to. */
  | { kind: 'compose-modal'; channelId: string; messageId: string; signature: string };

const customIdSchema = z.union([
  z.tuple([z.literal(VERSION), z.literal('result'), z.enum(RESULT_ACTIONS)]).transform(([, , action]) => ({ kind: 'result' as const, action })),
  z.tuple([z.literal(VERSION), z.literal('edit-modal'), snowflake]).transform(([, , messageId]) => ({ kind: 'edit-modal' as const, messageId })),
  z
    .tuple([z.literal(VERSION), z.literal('compose-modal'), snowflake, snowflake, signature])
    .transform(([, , channelId, messageId, signature]) => ({ kind: 'compose-modal' as const, channelId, messageId, signature })),
]);

export function encodeCustomId(id: CustomId): string {
  switch (id.kind) {
    case 'result':
      return [VERSION, 'result', id.action].join(':');
    case 'edit-modal':
      return [VERSION, 'edit-modal', id.messageId].join(':');
    case 'compose-modal':
      return [VERSION, 'compose-modal', id.channelId, id.messageId, id.signature].join(':');
  }
}

/** Undefined for an id this version of the bot did not make (stale, foreign or forged). */
export function parseCustomId(raw: string): CustomId | undefined {
  if (raw.length > 100) return undefined;
  const parsed = customIdSchema.safeParse(raw.split(':'));
  return parsed.success ? parsed.data : undefined;
}
