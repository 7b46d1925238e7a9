import type KeyvSqlite from '@keyv/sqlite';
import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import type { StoredMessage } from '../emulators/discord/index.js';
import { geminiCalls, geminiRequestCount } from './geminiCalls.js';
import { suiteGeminiApi } from './harness.js';
import { isBotMessage, PATIENCE, replyInThread, startConversation, waitForBotReplyTo } from './helpers.js';
import { interactionDeletes, savedTurns, storedConversation } from './storedRecords.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): on interactions a Delete asks Google to delete the turns' interactions,
// all but those a Branch shares with another thread; on generate-content nothing is kept at Google, and a Branch or a
// Delete sends Gemini nothing.
const harness = useHarness();

/** SQL run on the bot's own SQLite database, beside the bot (a trigger there makes the store refuse a write for real). */
async function inDatabase(sql: string): Promise<void> {
  const store = await openStore(harness.config.databaseUrl);
  try {
    await (store.keyv.store as KeyvSqlite).query(sql);
  } finally {
    await store.close();
  }
}

/** From now on the store refuses to write the conversation records `where` picks (SQL on the key), until the returned function is called. */
async function refuseConversationWrites(where: string): Promise<() => Promise<void>> {
  const condition = `NEW.key LIKE 'bot:conversation:%' AND (${where})`;
  await inDatabase(`CREATE TRIGGER refuse_insert BEFORE INSERT ON keyv WHEN ${condition} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
  await inDatabase(`CREATE TRIGGER refuse_update BEFORE UPDATE ON keyv WHEN ${condition} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
  return async () => {
    await inDatabase('DROP TRIGGER refuse_insert');
    await inDatabase('DROP TRIGGER refuse_update');
  };
}

/** The bot's private answer to a click, once it says more than "thinking…". */
async function answerToClick(user: 'alice' | 'bob', message: StoredMessage, customId: string) {
  const { interactionId } = harness.discord.clickButton({ user: harness.discord.users[user], message, customId });
  await harness.discord.waitForInteractionResponse(interactionId);
  return harness.discord.waitForMessage((reply) => reply.id === harness.discord.interaction(interactionId).originalMessageId && reply.content !== '');
}

/** A fox conversation, edited to blue, then given a hat: three turns (on interactions, three interactions at Google). */
async function foxBlueHat() {
  const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
  const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
  await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
  await savedTurns(harness, thread.id, 3);
  const [first, second, third] = geminiCalls(harness).map((call) => call.interactionId);
  return { thread, blue, first, second, third };
}

/** Bob, who asked for the blue fox, deletes it in the first thread: on interactions, what Google is asked to delete then. */
async function bobDeletesBlue(blue: StoredMessage) {
  const requestsBefore = geminiRequestCount(harness);
  expect((await answerToClick('bob', blue, 'nb1:result:delete')).content).toBe('Deleted. The conversation goes on without that image.');
  if (suiteGeminiApi() !== 'interactions') expect(geminiRequestCount(harness)).toBe(requestsBefore);
}

describe('a Delete in the thread a Branch started from', () => {
  it('leaves at Google the interactions the branch copied, deletes the thread\'s own later one, and the branch goes on from them', async () => {
    const { blue, first, second, third } = await foxBlueHat();
    const notice = await answerToClick('bob', blue, 'nb1:result:branch');
    const branchId = /^Branched into <#(\d+)>\./.exec(notice.content)?.[1];
    const branchStart = await harness.discord.waitForMessage((message) => message.channel_id === branchId && isBotMessage(harness, message));

    await bobDeletesBlue(blue);
    if (suiteGeminiApi() === 'interactions') {
      // The blue fox's own interaction is the branch's to continue from: only the hat, the first thread's alone, goes.
      await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[third, 200]]), PATIENCE);
      expect(harness.gemini.interactions.storedIds().sort()).toEqual([first, second].sort());
    }

    await waitForBotReplyTo(harness, replyInThread(harness, branchStart.channel_id, branchStart, 'make it green instead'));
    const last = geminiCalls(harness).at(-1)!;
    expect(last.status).toBe(200);
    expect(last.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    if (suiteGeminiApi() === 'interactions') expect(last.continuedFrom).toBe(second);
  });
});

describe('a Branch that did not open leaves nothing marked shared: a Delete in its first thread deletes at Google', () => {
  const failures: Array<{ name: string; arrange: (thread: { id: string }) => Promise<() => Promise<void>>; told: RegExp }> = [
    {
      name: 'refused: the image it would start from is no longer stored',
      arrange: async () => {
        await inDatabase("DELETE FROM keyv WHERE key LIKE 'bot:blob:%'");
        return async () => undefined;
      },
      told: /^I cannot branch this conversation here\.$/,
    },
    {
      name: 'Discord refuses to open its thread (too many active threads)',
      arrange: async () => {
        harness.discord.injectFault({ method: 'POST', path: new RegExp(`^/channels/${harness.discord.channelId}/threads$`), error: { status: 400, code: 160006, message: 'Maximum number of active threads reached' } });
        return async () => undefined;
      },
      told: /^Something went wrong on my side \(reference [0-9a-f]{8}\)\. Please try again\.$/,
    },
    {
      name: 'the store refuses to save the branch\'s record',
      arrange: (thread) => refuseConversationWrites(`NEW.key <> 'bot:conversation:${thread.id}'`),
      told: /^Something went wrong on my side \(reference [0-9a-f]{8}\)\. Please try again\.$/,
    },
  ];

  it.each(failures)('$name', async ({ arrange, told }) => {
    const { thread, blue, first, second, third } = await foxBlueHat();
    const restore = await arrange(thread);
    expect((await answerToClick('bob', blue, 'nb1:result:branch')).content).toMatch(told);
    await restore();

    await bobDeletesBlue(blue);
    if (suiteGeminiApi() === 'interactions') {
      await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[second, 200], [third, 200]].sort()), PATIENCE);
      expect(harness.gemini.interactions.storedIds()).toEqual([first]);
    }
  });

  it('the branch is saved but its first thread cannot be marked: the branch is taken back and the member told (on interactions)', async () => {
    const { thread, blue, first, second, third } = await foxBlueHat();
    const restore = await refuseConversationWrites(`NEW.key = 'bot:conversation:${thread.id}'`);
    const answer = await answerToClick('bob', blue, 'nb1:result:branch');
    await restore();
    const branchId = harness.discord.threads().find((opened) => opened.id !== thread.id)!.id;
    if (suiteGeminiApi() === 'interactions') {
      expect(answer.content).toMatch(/^Something went wrong on my side \(reference [0-9a-f]{8}\)\. Please try again\.$/);
      // No branch builds on what the first thread does not know it shares.
      expect((await storedConversation(harness, branchId)).kind).toBe('missing');
    } else {
      // generateContent keeps nothing at Google: there is nothing to mark, no write to the first thread, and the branch stands.
      expect(answer.content).toMatch(/^Branched into <#\d+>\./);
      expect((await storedConversation(harness, branchId)).kind).toBe('found');
    }

    await bobDeletesBlue(blue);
    if (suiteGeminiApi() === 'interactions') {
      await vi.waitFor(() => expect(interactionDeletes(harness)).toEqual([[second, 200], [third, 200]].sort()), PATIENCE);
      expect(harness.gemini.interactions.storedIds()).toEqual([first]);
    }
  });
});
