import { MessageFlags, type BaseMessageOptions, type RepliableInteraction } from 'discord.js';
import { resultButtonRows } from './resultButtons.js';
import { NO_PINGS } from './noPings.js';
import type { RenderedMessage } from './renderOutcome.js';

/** The one place a rendered answer becomes a discord.js payload, so every message carries NO_PINGS. */
export function toMessagePayload(message: RenderedMessage): BaseMessageOptions {
  return {
    content: message.content,
    files: message.files.map((file) => ({ attachment: file.data, name: file.name })),
    // Always set, so an edited status note never keeps components and a result always gets its buttons.
    components: message.buttons ? resultButtonRows(message.buttons) : [],
    allowedMentions: NO_PINGS,
  };
}

export function textPayload(content: string): BaseMessageOptions {
  return { content, allowedMentions: NO_PINGS };
}

/**
 * A sentence that replaces everything an edited message showed. An edit that
 * leaves the attachments out keeps them (so a sketch would stay under an
 * error): discord.js sends `files: []` as `attachments: []`, which removes them.
 */
export function replacingTextPayload(content: string): BaseMessageOptions {
  return { content, files: [], components: [], allowedMentions: NO_PINGS };
}

/** Answers an interaction with a sentence only its user sees (a refusal, a notice), pinging nobody. */
export async function replyPrivately(interaction: RepliableInteraction, text: string): Promise<void> {
  await interaction.reply({ ...textPayload(text), flags: MessageFlags.Ephemeral });
}
