import type { Logger } from 'pino';
import { inlineImagePart, type GeminiPart } from '../gemini/geminiTypes.js';
import type { ReferencesRefused } from '../limits/attachmentLimits.js';
import type { AttachmentProblem } from '../refusals/refusal.js';
import { fetchAttachment, type AttachmentPolicy, type AttachmentSource } from './fetchAttachment.js';

/** What collecting references needs: the download policy and a logger. */
interface ReferenceDependencies {
  attachments: AttachmentPolicy;
  logger: Logger;
}

export type CollectedReferences = { ok: true; parts: GeminiPart[] } | { ok: false; refusal: ReferencesRefused };

/**
 * Downloads the user's attachments (already through precheckReferences,
 * limits/attachmentLimits.ts) and turns them into inline image parts with
 * their exact bytes and sniffed MIME type. Any bad attachment stops the turn
 * before Gemini is called, with one line per problem.
 */
export async function collectReferences(bot: ReferenceDependencies, sources: AttachmentSource[], signal?: AbortSignal): Promise<CollectedReferences> {
  const fetched = await Promise.all(sources.map((source) => fetchAttachment(source, bot.attachments, signal)));
  const rejected = fetched.flatMap((item) => (item.ok ? [] : [{ name: item.name, problem: item.problem }]));
  if (rejected.length > 0) return refused(bot, rejected);
  return {
    ok: true,
    parts: fetched.flatMap((item) => (item.ok ? [inlineImagePart(item.mimeType, item.bytes.toString('base64'))] : [])),
  };
}

function refused(bot: ReferenceDependencies, rejected: Array<{ name: string; problem: AttachmentProblem }>): { ok: false; refusal: ReferencesRefused } {
  bot.logger.info({ rejected }, 'attachments rejected');
  return { ok: false, refusal: { kind: 'attachments-rejected', rejected } };
}
