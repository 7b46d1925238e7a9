import { describe, expect, it, vi } from 'vitest';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { finalImagesOf } from '../../src/conversation/editTarget.js';
import { openStore } from '../../src/store/openStore.js';
import type { StoredMessage } from '../emulators/discord/index.js';
import { geminiCalls } from './geminiCalls.js';
import { suiteGeminiApi } from './harness.js';
import { isBotMessage, PATIENCE, replyInThread, startConversation, waitForBotReplyTo } from './helpers.js';
import { asVersion1 } from './olderRecordShapes.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls. On interactions a
// turn goes on from Google's copy of the thread while it is kept; expireGooglesCopies makes the next turn replay the
// record, as past the retention. The note is the one under an answer when images the store lost leave turns out;
// the record keeps how many of its oldest turns the member was told of (lostImageTurnsTold), and a turn says it
// only when it leaves out more.
const harness = useHarness();

const LOST_NOTE = 'An image of this thread is no longer in my storage';
const leftOutNote = (turns: number) => `${LOST_NOTE}, so I left out its ${turns} oldest turn(s)`;

/** The thread's record as stored, once it holds `exchanges` turns (an answer is posted before its turn is saved). */
async function storedRecord(threadId: string, exchanges: number): Promise<ConversationRecord> {
  const store = await openStore(harness.config.databaseUrl);
  try {
    return await vi.waitFor(async () => {
      const row = (await store.keyv.get(`conversation:${threadId}`)) as ConversationRecord | undefined;
      if (row?.exchanges.length !== exchanges) throw new Error('not saved yet');
      return row;
    }, PATIENCE);
  } finally {
    await store.close();
  }
}

async function inStore(change: (store: Awaited<ReturnType<typeof openStore>>) => Promise<unknown>): Promise<void> {
  const store = await openStore(harness.config.databaseUrl);
  try {
    await change(store);
  } finally {
    await store.close();
  }
}

function expireGooglesCopies() {
  if (suiteGeminiApi() === 'interactions') for (const id of harness.gemini.interactions.storedIds()) harness.gemini.interactions.expire(id);
}

function mention(threadId: string, content: string) {
  return waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: threadId, content, mentionBot: true }));
}

/** The words of each user turn the latest Gemini call was sent, oldest first. */
const sentUserTexts = () =>
  geminiCalls(harness)
    .at(-1)!
    .seen.filter((turn) => turn.role === 'user')
    .map((turn) => turn.texts);

/** A fox, made blue, given a hat: three turns, then a reply for each of `more`;, the message of the latest returned. */
async function foxThread(more: string[] = []) {
  const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
  let latest: StoredMessage = starter;
  for (const prompt of ['make it blue', 'add a hat', ...more]) latest = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, latest, prompt));
  return { thread, latest, record: await storedRecord(thread.id, 3 + more.length) };
}

/** The fox thread stored as an older build wrote it (no image lengths), the fox's image gone from the store. */
async function olderRecordLosingTheFox() {
  const { thread, latest, record } = await foxThread();
  await inStore(async (store) => {
    await store.keyv.set(`conversation:${thread.id}`, asVersion1(record));
    await store.keyv.delete(`blob:${finalImagesOf(record.exchanges[0]!.model)[0]!.blob.sha256}`);
  });
  return { thread, hat: latest };
}

describe('the note that an image the store lost leaves turns out', () => {
  it('is said on the next turn after a Delete saved the lost-image marks of an older record it migrated', async () => {
    const { thread, hat } = await olderRecordLosingTheFox();
    expireGooglesCopies();
    // The Delete reads the older record, migrates it (the fox marked lost) and saves it: nobody is told there.
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: hat, customId: 'nb1:result:delete' });
    await harness.discord.waitForInteractionResponse(interactionId);
    await vi.waitFor(() => expect(harness.discord.deletedMessageIds()).toContain(hat.id), PATIENCE);
    const afterDelete = await storedRecord(thread.id, 2);
    expect(afterDelete.version).toBe(4);
    expect(afterDelete.lostImageTurnsTold).toBeUndefined();

    const next = await mention(thread.id, 'now at night');
    expect(next.attachments, next.content).toHaveLength(1);
    expect(sentUserTexts()).toEqual([['make it blue'], ['now at night']]);
    expect(next.content).toContain(leftOutNote(1));
    expect((await storedRecord(thread.id, 3)).lostImageTurnsTold).toBe(1);
  });

  it('is said by the first turn that leaves the turns out, once: on interactions a turn continued from Google\'s copy leaves nothing out, so the replay after it tells', async () => {
    const { thread } = await olderRecordLosingTheFox();
    const first = await mention(thread.id, 'now at night');
    expect(first.attachments, first.content).toHaveLength(1);
    const afterFirst = await storedRecord(thread.id, 4);
    if (suiteGeminiApi() === 'interactions') {
      // Sent on from Google's copy, which holds the fox turn: nothing left out, nothing told, the marks saved all the same.
      expect(first.content).not.toContain(LOST_NOTE);
      expect(afterFirst.lostImageTurnsTold).toBeUndefined();
    } else {
      expect(sentUserTexts()).toEqual([['make it blue'], ['add a hat'], ['now at night']]);
      expect(first.content).toContain(leftOutNote(1));
      expect(afterFirst.lostImageTurnsTold).toBe(1);
    }

    expireGooglesCopies();
    const second = await mention(thread.id, 'brighter');
    expect(sentUserTexts()).toEqual([['make it blue'], ['add a hat'], ['now at night'], ['brighter']]);
    if (suiteGeminiApi() === 'interactions') expect(second.content).toContain(leftOutNote(1));
    else expect(second.content).not.toContain(LOST_NOTE);
    expect((await storedRecord(thread.id, 5)).lostImageTurnsTold).toBe(1);

    // Told now on either API: the same turn left out again goes unsaid.
    expireGooglesCopies();
    const third = await mention(thread.id, 'add a moon');
    expect(sentUserTexts()).toEqual([['make it blue'], ['add a hat'], ['now at night'], ['brighter'], ['add a moon']]);
    expect(third.content).not.toContain(LOST_NOTE);
  });

  it('is said again in a Branch: its members, in a new thread, were never told', async () => {
    const { thread, record } = await foxThread();
    await inStore((store) => store.keyv.delete(`blob:${finalImagesOf(record.exchanges[0]!.model)[0]!.blob.sha256}`));
    expireGooglesCopies();
    const night = await mention(thread.id, 'now at night');
    expect(night.content).toContain(leftOutNote(1));
    expect((await storedRecord(thread.id, 4)).lostImageTurnsTold).toBe(1);

    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: night, customId: 'nb1:result:branch' });
    await harness.discord.waitForInteractionResponse(interactionId);
    const notice = await harness.discord.waitForMessage((reply) => reply.id === harness.discord.interaction(interactionId).originalMessageId && reply.content !== '');
    const branchId = /^Branched into <#(\d+)>\./.exec(notice.content)?.[1];
    expect(branchId, notice.content).toBeDefined();
    const branchStart = await harness.discord.waitForMessage((message) => message.channel_id === branchId && isBotMessage(harness, message));
    expect((await storedRecord(branchId!, 4)).lostImageTurnsTold).toBeUndefined();

    expireGooglesCopies();
    const inBranch = await waitForBotReplyTo(harness, replyInThread(harness, branchId!, branchStart, 'brighter'));
    expect(sentUserTexts()).toEqual([['make it blue'], ['add a hat'], ['now at night'], ['brighter']]);
    expect(inBranch.content).toContain(leftOutNote(1));
  });

  it('a reroll tells what the lost images leave out of the turns before it; the next turn, which leaves out more, tells the true count', async () => {
    const { thread, latest: night, record } = await foxThread(['now at night']);
    // The fox's image and the night's are lost: a reroll of the night goes on from the turns before it only.
    await inStore(async (store) => {
      for (const index of [0, 3]) await store.keyv.delete(`blob:${finalImagesOf(record.exchanges[index]!.model)[0]!.blob.sha256}`);
    });
    expireGooglesCopies();
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: night, customId: 'nb1:result:reroll' });
    await harness.discord.waitForInteractionResponse(interactionId);
    const rerolled = await vi.waitFor(() => {
      const found = harness.discord.messages(thread.id).find((message) => message.content.includes(LOST_NOTE));
      if (!found) throw new Error('no reroll answer yet');
      return found;
    }, PATIENCE);
    expect(sentUserTexts()).toEqual([['make it blue'], ['add a hat'], ['now at night']]);
    expect(rerolled.content).toContain(leftOutNote(1));
    expect((await storedRecord(thread.id, 5)).lostImageTurnsTold).toBe(1);

    // The whole thread now: everything up to the lost night, four turns, of which the member heard of one.
    expireGooglesCopies();
    const next = await mention(thread.id, 'brighter');
    expect(sentUserTexts()).toEqual([['now at night'], ['brighter']]);
    expect(next.content).toContain(leftOutNote(4));
    expect((await storedRecord(thread.id, 6)).lostImageTurnsTold).toBe(4);

    expireGooglesCopies();
    const after = await mention(thread.id, 'softer');
    expect(sentUserTexts()).toEqual([['now at night'], ['brighter'], ['softer']]);
    expect(after.content).not.toContain(LOST_NOTE);
  });
});
