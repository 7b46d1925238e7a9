import type { MessageMentionOptions } from 'discord.js';

/**
 * Nothing the bot posts pings anyone, even when a prompt or the model's
 * text contains @everyone or <@id>: no parse entries, and no ping to the
 * author of the message we reply to.
 */
export const NO_PINGS = { parse: [], repliedUser: false } as const satisfies MessageMentionOptions;
