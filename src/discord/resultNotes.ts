import type { GroundingSource } from '../gemini/generationOutcome.js';
import { trimContent } from './renderOutcome.js';

/** Grounding sources as links; <…> keeps Discord from unfurling each one into an embed. */
export function describeSources(sources: GroundingSource[]): string {
  const links = sources.slice(0, 5).map((source) => `[${source.title.replace(/[[\]]/g, '').slice(0, 60)}](<${source.uri}>)`);
  return `Sources: ${links.join(' · ')}`;
}

/** Who asked and for what, under every result; <@id> shows the name and pings nobody (allowed_mentions is empty). */
export function byline(authorId: string, prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat ? `Asked by <@${authorId}>: “${trimContent(flat, 120)}”` : `Asked by <@${authorId}>`;
}
