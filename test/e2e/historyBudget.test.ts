// Runs on both GEMINI_APIs (E2E_GEMINI_API). The budget bounds the history a request carries: every turn on
// generateContent; on interactions, the stateless replay once Google no longer keeps the thread (a continued
// interaction sends only the new turn and leaves nothing out). So on interactions each turn here comes after
// Google's copies expired, and the member must see what generateContent shows.
import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { useHarness } from './useHarness.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { asVersion1 } from './olderRecordShapes.js';
import { firstAttachmentBytes, imagine, PATIENCE, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';

// About 0.6 MB: room for two 200 kB answers (base64 makes them ~270 kB each) but not three.
const harness = useHarness({ env: { HISTORY_BUDGET_MB: '0.6' } });

/** On interactions, Google forgets the thread (as past its retention): the next turn replays the bot's record. */
function googleForgetsTheThread() {
  if (suiteGeminiApi() === 'interactions') for (const id of harness.gemini.interactions.storedIds()) harness.gemini.interactions.expire(id);
}

/** The n-th call that Gemini answered 200 (on interactions, the continuation refused as unknown comes before its replay). */
function answeredCall(index: number) {
  const call = geminiCalls(harness).filter((candidate) => candidate.status !== 404)[index];
  if (!call) throw new Error(`Gemini answered fewer than ${index + 1} turn request(s)`);
  expect(call.status).toBe(200);
  return call;
}

describe('a thread whose history outgrows the request budget', () => {
  it('leaves out the oldest whole turns, says so, and Gemini accepts the shorter history', async () => {
    harness.gemini.enqueue(...Array.from({ length: 4 }, () => ({ kind: 'image' as const, imageBytes: 200_000 })));
    const { message } = await imagine(harness, { prompt: 'turn one' });
    const thread = await waitForThread(harness, message.id);
    let latest = message;
    const answers = [];
    for (const prompt of ['turn two', 'turn three', 'turn four']) {
      googleForgetsTheThread();
      const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: prompt, replyTo: latest.id });
      latest = await waitForBotReplyTo(harness, ask);
      answers.push(latest);
    }
    expect(answers[0]?.content).not.toMatch(/left out/);
    expect(answers[1]?.content).not.toMatch(/left out/);
    expect(answers[2]?.content).toMatch(/-# This thread is long: I left out its 1 oldest turn\(s\)/);
    const last = answeredCall(3);
    expect(last.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(last.seen[0]?.texts).toEqual(['turn two']);
    expect(last.seen[1]).toEqual(answeredCall(1).answer);
    expect(last.seen[3]).toEqual(answeredCall(2).answer);
    expect(last.sentBytes).toBeLessThan(0.6 * 1024 * 1024);
  });

  it('sends the image being edited along with the new turn when the budget leaves its turn out', async () => {
    // Three 200 kB images per answer (two interim thought images) do not fit 0.6 MB; the final image alone does.
    harness.gemini.enqueue({ kind: 'image', imageBytes: 200_000, thoughtImages: 2 });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    googleForgetsTheThread();
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.content).toMatch(/left out its 1 oldest turn/);
    const call = answeredCall(1);
    expect(call.seen).toEqual([{ role: 'user', texts: ['make it blue'], images: [firstAttachmentBytes(harness, message).toString('base64')] }]);
    expect(call.askedImageTypes).toEqual(['image/jpeg']);
  });

  it('still trims a record written before image lengths were kept, by measuring it', async () => {
    harness.gemini.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'image' as const, imageBytes: 200_000 })));
    const { message } = await imagine(harness, { prompt: 'turn one' });
    const thread = await waitForThread(harness, message.id);
    const second = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'turn two', replyTo: message.id }));
    // Rewrite the stored record as an older version of the bot wrote it: no blob lengths.
    const store = await openStore(harness.config.databaseUrl);
    const key = `conversation:${thread.id}`;
    // The answer is posted before its turn is saved: wait for the save before rewriting the record.
    const record = await vi.waitFor(async () => {
      const stored = (await store.keyv.get(key)) as ConversationRecord;
      expect(stored.exchanges).toHaveLength(2);
      return stored;
    }, PATIENCE);
    await store.keyv.set(key, asVersion1(record));
    await store.close();

    googleForgetsTheThread();
    const third = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'turn three', replyTo: second.id }));
    expect(third.attachments).toHaveLength(1);
    expect(answeredCall(2).seen).toHaveLength(5);
  });

  it('checks the budget again by the real size of a file that turned out larger than it declared, and sends nothing over it', async () => {
    harness.gemini.enqueue({ kind: 'image', imageBytes: 200_000 }, { kind: 'image', imageBytes: 200_000 });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    googleForgetsTheThread();
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id }));
    // Declared 1 kB, served 280 kB: with the first image re-sent (~267 kB of base64) the ~373 kB of it break 0.6 MB.
    const served = Buffer.concat([pngBytes(3), Buffer.alloc(280_000)]);
    const url = harness.discord.serveAt('/attachments/budget/understated.png', (_request, response) => response.end(served));
    const attachment = { ...harness.discord.addAttachment(Buffer.alloc(1_000), { filename: 'understated.png' }), url, proxy_url: url, size: 1_000 };
    googleForgetsTheThread();
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'put this on the first fox', replyTo: message.id, attachments: [attachment] });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.content).toBe('This request is too large for Gemini even on its own. Use fewer or smaller reference images.');
    expect(geminiCalls(harness).filter((call) => call.status !== 404)).toHaveLength(2);
  });

  it('refuses attachments that could never fit in one request together, before downloading any of them', async () => {
    // Three files of 200 kB each are fine one by one (MAX_ATTACHMENT_MB) but 0.8 MB of base64 together.
    let downloads = 0;
    const attachments = ['a', 'b', 'c'].map((name) => {
      const url = harness.discord.serveAt(`/attachments/budget/${name}.png`, (_request, response) => {
        downloads += 1;
        response.end(Buffer.alloc(200_000));
      });
      return { ...harness.discord.addAttachment(Buffer.alloc(200_000), { filename: `${name}.png` }), url, proxy_url: url, size: 200_000 };
    });
    const ask = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'combine these', attachments, mentionBot: true });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.content).toBe('This request is too large for Gemini even on its own. Use fewer or smaller reference images.');
    expect(downloads).toBe(0);
    expect(geminiCalls(harness)).toHaveLength(0);
  });
});
