import { describe, expect, it, vi } from 'vitest';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { openStore } from '../../src/store/openStore.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import { imagine, PATIENCE, replyInThread, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';
import { finalImagesOf } from '../../src/conversation/editTarget.js';
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

  it('missing an older image, goes on from the turns after it, says so, and keeps the mark with the next turn', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    const current = await storedRow(thread.id, 3);
    const lostImage = finalImagesOf(current.exchanges[0]!.model)[0]!.blob.sha256;
    await writeRow(thread.id, asVersion1(current));
    const store = await openStore(harness.config.databaseUrl);
    try {
      await store.keyv.delete(`blob:${lostImage}`);
    } finally {
      await store.close();
    }
    // Google's copies gone too: the record is all there is to go on, on both transports.
    if (suiteGeminiApi() === 'interactions') for (const id of harness.gemini.interactions.storedIds()) harness.gemini.interactions.expire(id);

    const answer = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'now at night', mentionBot: true }));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toContain('An image of this thread is no longer in my storage, so I left out its 1 oldest turn(s)');
    expect(answeredCall().seen.filter((turn) => turn.role === 'user').map((turn) => turn.texts)).toEqual([['make it blue'], ['add a hat'], ['now at night']]);
    // Migrated with its new turn, the lost image marked: later turns leave it out from the record alone.
    const kept = await storedRow(thread.id, 4);
    expect(kept.version).toBe(4);
    expect(finalImagesOf(kept.exchanges[0]!.model)[0]!.blob).toEqual({ sha256: lostImage, field: 'inlineData', gone: true });
    // Told once: the next turn leaves the same turn out without saying it again.
    const next = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'brighter', mentionBot: true }));
    expect(next.attachments, next.content).toHaveLength(1);
    expect(next.content).not.toContain('no longer in my storage');
  });
});
