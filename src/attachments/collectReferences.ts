import type { Logger } from 'pino';
import { inlineImagePart, type GeminiPart } from '../gemini/geminiTypes.js';
import type { AttachmentProblem, Refusal } from '../refusals/refusal.js';
import { fetchAttachment, precheckAttachment, type AttachmentPolicy, type AttachmentSource } from './fetchAttachment.js';

/** What collecting references needs: the download policy and a logger. */
interface ReferenceDependencies {
  attachments: AttachmentPolicy;
  logger: Logger;
}

/** Why a request's reference images cannot be used: too many, or unusable. (Too large for one request: planTurn, by their declared sizes.) */
export type ReferencesRefused = Extract<Refusal, { kind: 'too-many-attachments' | 'attachments-rejected' }>;

/** Gemini takes at most 14 reference images per request. */
const MAX_REFERENCE_IMAGES = 14;

export type CollectedReferences = { ok: true; parts: GeminiPart[] } | { ok: false; refusal: ReferencesRefused };

/**
 * The checks that need no download (how many, where from, declared sizes),
 * made by the plan (planTurn), before the request queues for Gemini. The
 * downloads wait for a slot (collectReferences): a hundred queued requests
 * must not each hold up to fourteen images in memory while they wait. (Files
 * that could never fit in one request together the plan refuses next, by
 * the same declared sizes.) A refusal here names only what it found:
 * checking the other files would mean downloading them outside any slot.
 * Pure: the plan's caller logs a refusal.
 */
export function precheckReferences(policy: Pick<AttachmentPolicy, 'allowedOrigins' | 'maxBytes'>, sources: AttachmentSource[]): { ok: true } | { ok: false; refusal: ReferencesRefused } {
  if (sources.length > MAX_REFERENCE_IMAGES) {
    return { ok: false, refusal: { kind: 'too-many-attachments', count: sources.length, limit: MAX_REFERENCE_IMAGES } };
  }
  const rejected = sources.flatMap((source) => {
    const problem = precheckAttachment(source, policy);
    return problem ? [{ name: source.name, problem }] : [];
  });
  return rejected.length > 0 ? { ok: false, refusal: { kind: 'attachments-rejected', rejected } } : { ok: true };
}

/**
 * Downloads the user's attachments (already through precheckReferences) and
 * turns them into inline image parts with their exact bytes and sniffed MIME
 * type. Any bad attachment stops the turn before Gemini is called, with one
 * line per problem.
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
