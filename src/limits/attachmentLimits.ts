import type { AttachmentProblem, Refusal } from '../refusals/refusal.js';

/** ATTACHMENT_ORIGINS and MAX_ATTACHMENT_MB: where a member's file may come from, and how large it may be. */
export interface AttachmentLimits {
  allowedOrigins: string[];
  maxBytes: number;
}

/** What a file says of itself before anything is downloaded (an AttachmentSource fits). */
export interface DeclaredAttachment {
  url: string;
  name: string;
  /** The size Discord declares; checked here, then enforced while reading (fetchAttachment). */
  size: number;
}

/** Why a request's reference images cannot be used: too many, or unusable. (Too large for one request: planTurn, by their declared sizes.) */
export type ReferencesRefused = Extract<Refusal, { kind: 'too-many-attachments' | 'attachments-rejected' }>;

/** Gemini takes at most 14 reference images per request. */
const MAX_REFERENCE_IMAGES = 14;

/**
 * What can be refused without downloading anything: the origin and the size
 * Discord declares. Checked before the request queues for Gemini, so a member waiting in
 * the queue is not told only at its end that an attachment was never usable.
 */
export function precheckAttachment(source: DeclaredAttachment, limits: AttachmentLimits): AttachmentProblem | undefined {
  let url: URL;
  try {
    url = new URL(source.url);
  } catch {
    return 'origin-not-allowed';
  }
  if (!limits.allowedOrigins.includes(url.origin)) return 'origin-not-allowed';
  if (source.size > limits.maxBytes) return 'too-large';
  return undefined;
}

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
export function precheckReferences(limits: AttachmentLimits, sources: DeclaredAttachment[]): { ok: true } | { ok: false; refusal: ReferencesRefused } {
  if (sources.length > MAX_REFERENCE_IMAGES) {
    return { ok: false, refusal: { kind: 'too-many-attachments', count: sources.length, limit: MAX_REFERENCE_IMAGES } };
  }
  const rejected = sources.flatMap((source) => {
    const problem = precheckAttachment(source, limits);
    return problem ? [{ name: source.name, problem }] : [];
  });
  return rejected.length > 0 ? { ok: false, refusal: { kind: 'attachments-rejected', rejected } } : { ok: true };
}
