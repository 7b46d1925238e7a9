import { request, type Dispatcher } from 'undici';
import { precheckAttachment, type AttachmentLimits } from '../limits/attachmentLimits.js';
import type { AttachmentProblem } from '../refusals/refusal.js';
import { sniffImageType, type SupportedImageType } from '../images/sniffImageType.js';

export interface AttachmentSource {
  url: string;
  name: string;
  /** The size Discord declares; checked before downloading, then enforced while reading. */
  size: number;
}

/** The limits (limits/attachmentLimits.ts), and ATTACHMENT_TIMEOUT_SECONDS for the download. */
export interface AttachmentPolicy extends AttachmentLimits {
  timeoutMs: number;
  dispatcher?: Dispatcher | undefined;
}

export type FetchedAttachment =
  | { ok: true; name: string; mimeType: SupportedImageType; bytes: Buffer }
  | { ok: false; name: string; problem: AttachmentProblem };

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
