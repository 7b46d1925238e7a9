import type { GroundingSource } from './generationOutcome.js';

/**
 * The web pages an answer cites (generateContent's grounding chunks, the
 * Interactions API's annotations), as links for Discord: only http(s),
 * each once, titled by the page or else its host. A link that is no URL
 * ("https://" alone, one with a space) is left out, never thrown on.
 */
export function webSources(links: Iterable<{ uri: string | null | undefined; title: string | null | undefined }>): GroundingSource[] {
  const sources: GroundingSource[] = [];
  for (const { uri, title } of links) {
    const url = uri && URL.canParse(uri) ? new URL(uri) : undefined;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || sources.some((source) => source.uri === uri)) continue;
    sources.push({ uri: uri!, title: title?.trim() || url.hostname });
  }
  return sources;
}
