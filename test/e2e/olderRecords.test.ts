import { describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { openStore } from '../../src/store/openStore.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import { imagine, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API). On interactions the first image's interaction is expired at Google,
// so each turn replays the history from the record (statelessly, every signature checked): the migrated record
// is what the model sees on both transports.
const harness = useHarness();

/** The last call Gemini answered: the turn itself (on interactions, after the refused continuation). */
function answeredCall() {
  const call = geminiCalls(harness).at(-1);
  expect(call?.status).toBe(200);
  return call!;
}

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
    const [first] = geminiCalls(harness);
    if (suiteGeminiApi() === 'interactions') harness.gemini.interactions.expire(first!.interactionId!);

    // A turn that stores nothing of its own (Gemini refuses it): only the migration can write the record back. On
    // interactions the refusal is a failed interaction, not the words-only answer a reply would build on (FACTS.md).
    harness.gemini.interactions.setSafetyStyle('failed');
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id }));
    expect(answeredCall().modelTurnsSent).toEqual([first!.answerOnWire]);
    const migrated = await storedRecord(thread.id, 1);
    expect(migrated.exchanges).toHaveLength(1); // the refused turn kept nothing
    expect(migrated.exchanges[0]?.model.parts).toEqual(current.exchanges[0]?.model.parts); // the lengths are back

    // The first turn is still the latest (its interaction expired): replayed again, exactly, from the migrated record.
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it green', replyTo: message.id }));
    expect(answeredCall().modelTurnsSent).toEqual([first!.answerOnWire]);
    expect(answeredCall().asked.texts).toEqual(['make it green']);
  });
});
