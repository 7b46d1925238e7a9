import type { Logger } from 'pino';
import { inlineImagePart, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ReferencesRefused } from '../limits/attachmentLimits.js';
import type { AttachmentProblem } from '../refusals/refusal.js';
import { fetchAttachment, type AttachmentPolicy, type AttachmentSource, type FetchedAttachment } from './fetchAttachment.js';

/** What collecting references needs: the download policy and a logger. */
interface ReferenceDependencies {
  attachments: AttachmentPolicy;
  logger: Logger;
}

export type CollectedReferences = { ok: true; parts: GeminiPart[] } | { ok: false; refusal: ReferencesRefused };

/**
 * The files one turn downloaded and found good, by source. A turn planned
 * again mid-turn (its history unreadable) sends the same files: it reuses
 * them rather than download each again, and downloads only a source the
 * first plan did not have (a fresh start's latest image).
 */
export type TurnDownloads = Map<string, FetchedAttachment & { ok: true }>;

/**
 * Downloads the user's attachments (already through precheckReferences,
 * limits/attachmentLimits.ts) and turns them into inline image parts with
 * their exact bytes and sniffed MIME type. Any bad attachment stops the turn
 * before Gemini is called, with one line per problem. With `downloads`, a
 * source this turn already downloaded (and checked: origin, size, magic
 * bytes) is taken from there.
 */
export async function collectReferences(bot: ReferenceDependencies, sources: AttachmentSource[], signal?: AbortSignal, downloads?: TurnDownloads): Promise<CollectedReferences> {
  const fetched = await Promise.all(sources.map((source) => fetchOnce(bot, source, signal, downloads)));
  const rejected = fetched.flatMap((item) => (item.ok ? [] : [{ name: item.name, problem: item.problem }]));
  if (rejected.length > 0) return refused(bot, rejected);
  return {
    ok: true,
    parts: fetched.flatMap((item) => (item.ok ? [inlineImagePart(item.mimeType, item.bytes.toString('base64'))] : [])),
  };
}

async function fetchOnce(bot: ReferenceDependencies, source: AttachmentSource, signal: AbortSignal | undefined, downloads: TurnDownloads | undefined): Promise<FetchedAttachment> {
  // The whole source is the key: its declared size and name are checked against, and named in, what is fetched.
  const key = JSON.stringify([source.url, source.size, source.name]);
  const known = downloads?.get(key);
  if (known) return known;
  const fetched = await fetchAttachment(source, bot.attachments, signal);
  if (fetched.ok) downloads?.set(key, fetched);
  return fetched;
}

function refused(bot: ReferenceDependencies, rejected: Array<{ name: string; problem: AttachmentProblem }>): { ok: false; refusal: ReferencesRefused } {
  bot.logger.info({ rejected }, 'attachments rejected');
  return { ok: false, refusal: { kind: 'attachments-rejected', rejected } };
}
