import { request, type Dispatcher } from 'undici';
import type { AttachmentProblem } from '../refusals/refusal.js';
import { sniffImageType, type SupportedImageType } from './sniffImageType.js';

export interface AttachmentSource {
  url: string;
  name: string;
  /** The size Discord declares; checked before downloading, then enforced while reading. */
  size: number;
}

export interface AttachmentPolicy {
  allowedOrigins: string[];
  maxBytes: number;
  timeoutMs: number;
  dispatcher?: Dispatcher | undefined;
}

export type FetchedAttachment =
  | { ok: true; name: string; mimeType: SupportedImageType; bytes: Buffer }
  | { ok: false; name: string; problem: AttachmentProblem };

/**
 * What can be refused without downloading anything: the origin and the size
 * Discord declares. Checked before the request queues for Gemini, so a member waiting in
 * the queue is not told only at its end that an attachment was never usable.
 */
export function precheckAttachment(source: AttachmentSource, policy: Pick<AttachmentPolicy, 'allowedOrigins' | 'maxBytes'>): AttachmentProblem | undefined {
  let url: URL;
  try {
    url = new URL(source.url);
  } catch {
    return 'origin-not-allowed';
  }
  if (!policy.allowedOrigins.includes(url.origin)) return 'origin-not-allowed';
  if (source.size > policy.maxBytes) return 'too-large';
  return undefined;
}

/**
 * Downloads one user attachment as untrusted input: only from an allowed
 * origin, no redirects (a redirect could lead anywhere), never more bytes
 * than the cap whatever the size header says, and typed by its magic bytes.
 */
export async function fetchAttachment(source: AttachmentSource, policy: AttachmentPolicy, signal?: AbortSignal): Promise<FetchedAttachment> {
  const fail = (problem: AttachmentProblem): FetchedAttachment => ({ ok: false, name: source.name, problem });
  const problem = precheckAttachment(source, policy);
  if (problem) return fail(problem);
  const url = new URL(source.url);

  const timeout = AbortSignal.timeout(policy.timeoutMs);
  try {
    const response = await request(url, { method: 'GET', signal: signal ? AbortSignal.any([signal, timeout]) : timeout, dispatcher: policy.dispatcher });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return fail('unreachable');
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of response.body) {
      total += (chunk as Buffer).length;
      if (total > policy.maxBytes) {
        response.body.destroy();
        return fail('too-large');
      }
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks, total);
    if (bytes.length === 0) return fail('empty');
    // Discord knows the real size; fewer bytes means the download broke off, and Gemini would reject a cut image.
    if (bytes.length < source.size) return fail('truncated');
    const mimeType = sniffImageType(bytes);
    if (!mimeType) return fail('not-an-image');
    return { ok: true, name: source.name, mimeType, bytes };
  } catch {
    return fail(timeout.aborted ? 'timeout' : 'unreachable');
  }
}
