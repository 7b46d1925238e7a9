import { describe, expect, it, vi } from 'vitest';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { openStore } from '../../src/store/openStore.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import { imagine, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { asVersion1 } from './olderRecordShapes.js';
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

/** The thread's record as the store holds it, row and all, once it holds `exchanges` turns. */
async function storedRow(threadId: string, exchanges: number): Promise<ConversationRecord> {
  const store = await openStore(harness.config.databaseUrl);
  try {
    return await vi.waitFor(async () => {
      const row = (await store.keyv.get(`conversation:${threadId}`)) as ConversationRecord | undefined;
      if (!row || row.exchanges.length < exchanges) throw new Error('not saved yet');
      return row;
    }, PATIENCE);
  } finally {
    await store.close();
  }
}

async function writeRow(threadId: string, row: unknown) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    await store.keyv.set(`conversation:${threadId}`, row);
  } finally {
    await store.close();
  }
}

describe('a conversation stored by an older version (no image lengths, Interactions steps flattened into parts)', () => {
  it('is migrated on its next turn after a restart, written back, and replayed exactly', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    const current = await storedRow(thread.id, 1);
    expect(current.version).toBe(4);
    await writeRow(thread.id, asVersion1(current));
    const [first] = geminiCalls(harness);
    if (suiteGeminiApi() === 'interactions') harness.gemini.interactions.expire(first!.interactionId!);
    // The record on disk is all that is left of the first turn: a new process reads it.
    await harness.restart();

    // A turn that stores nothing of its own (Gemini refuses it): only the migration can write the record back. On
    // interactions the refusal is a failed interaction, not the words-only answer a reply would build on (FACTS.md).
    harness.gemini.interactions.setSafetyStyle('failed');
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id }));
    expect(answeredCall().modelTurnsSent).toEqual([first!.answerOnWire]);
    const migrated = await storedRow(thread.id, 1);
    expect(migrated.exchanges).toHaveLength(1); // the refused turn kept nothing
    expect(migrated).toEqual(current); // written back in today's shape: the lengths, and the turn's options (none chosen)

    // The first turn is still the latest (its interaction expired): replayed again, exactly, from the migrated record.
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it green', replyTo: message.id }));
    expect(answeredCall().modelTurnsSent).toEqual([first!.answerOnWire]);
    expect(answeredCall().asked.texts).toEqual(['make it green']);
  });
});
