import { describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { openStore } from '../../src/store/openStore.js';
import { geminiBody, imagine, modelContentAnswered, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

const harness = useHarness();

/** The thread's record as stored, once it holds `exchanges` turns. */
async function storedRecord(threadId: string, exchanges: number): Promise<ConversationRecord> {
  const store = await openStore(harness.config.databaseUrl);
  try {
    return await vi.waitFor(async () => {
      const loaded = await new ConversationStore(store.keyv).load(threadId);
      if (loaded.kind !== 'found' || loaded.record.exchanges.length < exchanges) throw new Error('not saved yet');
      return loaded.record;
    }, PATIENCE);
  } finally {
    await store.close();
  }
}

async function saveRecord(record: ConversationRecord) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    await new ConversationStore(store.keyv).save(record);
  } finally {
    await store.close();
  }
}

describe('a conversation stored by an older version (no image lengths)', () => {
  it('is migrated on its next turn, written back, and replayed exactly', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    const current = await storedRecord(thread.id, 1);
    const older: ConversationRecord = {
      ...current,
      exchanges: current.exchanges.map((exchange) => ({
        ...exchange,
        model: { ...exchange.model, parts: exchange.model.parts.map(({ raw, blob }) => (blob ? { raw, blob: { sha256: blob.sha256, field: blob.field } } : { raw })) },
      })),
    };
    await saveRecord(older);

    // A turn that stores nothing of its own (Gemini refuses it): only the migration can write the record back.
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id }));
    expect(geminiBody(harness, 1).contents[1]).toEqual(modelContentAnswered(harness, 0));
    expect(harness.gemini.requests[1]?.status).toBe(200);
    const migrated = await storedRecord(thread.id, 1);
    expect(migrated.exchanges[0]?.model.parts).toEqual(current.exchanges[0]?.model.parts); // the lengths are back

    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it green', replyTo: message.id }));
    expect(geminiBody(harness, 2).contents[1]).toEqual(modelContentAnswered(harness, 0));
    expect(harness.gemini.requests[2]?.status).toBe(200);
  });
});
