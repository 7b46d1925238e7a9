import { expect, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import type { Harness } from './harness.js';
import { PATIENCE } from './helpers.js';

/** The thread's record as the bot's store holds it now, read through a store of the test's own. */
export async function storedConversation(harness: Harness, threadId: string) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    return await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load(threadId);
  } finally {
    await store.close();
  }
}

/** Waits until the thread's record holds this many turns: an answer is posted before its turn is saved. */
export function savedTurns(harness: Harness, threadId: string, count: number) {
  return vi.waitFor(async () => {
    const stored = await storedConversation(harness, threadId);
    expect(stored.kind === 'found' && stored.record.exchanges.length).toBe(count);
  }, PATIENCE);
}

/** Each DELETE Google was sent, as [interaction id, status], in no set order: the bot sends them a few at once. */
export function interactionDeletes(harness: Harness) {
  return harness.gemini.interactions.requests
    .filter((request) => request.method === 'DELETE')
    .map((request) => [request.interactionId, request.status])
    .sort();
}
