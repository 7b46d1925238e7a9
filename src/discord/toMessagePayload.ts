import type { BaseMessageOptions } from 'discord.js';
import { resultButtonRows } from '../components/resultButtons.js';
import { NO_PINGS } from './noPings.js';
import type { RenderedMessage } from './renderOutcome.js';

/** The one place a rendered answer becomes a discord.js payload, so every message carries NO_PINGS. */
export function toMessagePayload(message: RenderedMessage): BaseMessageOptions {
  return {
    content: message.content,
    files: message.files.map((file) => ({ attachment: file.data, name: file.name })),
    // Always set, so an edited status note never keeps components and a result always gets its buttons.
    components: message.buttons ? resultButtonRows() : [],
    allowedMentions: NO_PINGS,
  };
}

export function textPayload(content: string): BaseMessageOptions {
  return { content, allowedMentions: NO_PINGS };
}
