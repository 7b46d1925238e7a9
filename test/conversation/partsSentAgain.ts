import type { StoredPart } from '../../src/conversation/conversationRecord.js';
import { outgoingParts } from '../../src/conversation/outgoingParts.js';
import { streamedRequestBody } from '../../src/transports/streamedRequestBody.js';
import type { BlobStore } from '../../src/store/blobStore.js';

/**
 * Stored parts as a request sends them again, the only way the bot reads
 * them back: as replayed content (outgoingParts) in a streamed request body,
 * each image read from the blob store as the body streams. A missing image is
 * found before anything is sent.
 */
export async function partsSentAgain(stored: StoredPart[], blobs: BlobStore): Promise<{ ok: true; parts: unknown[] } | { ok: false; missingBlob: string }> {
  const prepared = await streamedRequestBody({ contents: [{ role: 'model', parts: outgoingParts(stored) }] }, blobs);
  if (!prepared.ok) return prepared;
  const chunks: Uint8Array[] = [];
  for await (const chunk of prepared.body.chunks()) chunks.push(chunk);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { contents: Array<{ parts: unknown[] }> };
  return { ok: true, parts: body.contents[0]!.parts };
}
