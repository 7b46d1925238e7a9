import type KeyvSqlite from '@keyv/sqlite';
import { describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { openStore } from '../../src/store/openStore.js';
import type { StoredMessage } from '../emulators/discord/index.js';
import { geminiCalls } from './geminiCalls.js';
import { suiteGeminiApi } from './harness.js';
import { firstAttachmentBytes, imagine, mainText, PATIENCE, pngBytes, replyInThread, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';
import { finalImagesOf } from '../../src/conversation/editTarget.js';
import { savedTurns, storedConversation } from './storedRecords.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls. On
// interactions, a damaged record matters once Google's copy of the thread is gone (withSavedRecord expires it).
const harness = useHarness();
const base64Of = (bytes: Buffer) => bytes.toString('base64');

const WENT_ON_FROM_IMAGE = /I could not read the earlier history of this thread, so I went on from the latest image I posted here/;



function mention(threadId: string, content: string) {
  return harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: threadId, content, mentionBot: true });
}

/**
 * Works on the bot's own database through a second connection, once the thread's record holds `exchanges` turns.
 * On GEMINI_API=interactions the interactions Google kept for the thread expire too (as past the retention): the
 * bot's record is then all there is to go on, as it always is on generateContent.
 */
/** A stored image's text with characters no base64 holds put inside it, its length otherwise kept. */
function spoiled(base64: string): string {
  return `${base64.slice(0, 40)}!*~${base64.slice(40)}`;
}

async function withSavedRecord(threadId: string, exchanges: number, change: (record: ConversationRecord, store: Awaited<ReturnType<typeof openStore>>) => Promise<void>) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
    // The answer is posted before its turn is saved: wait for the save.
    const record = await vi.waitFor(async () => {
      const loaded = await conversations.load(threadId);
      if (loaded.kind !== 'found' || loaded.record.exchanges.length < exchanges) throw new Error('not saved yet');
      return loaded.record;
    }, PATIENCE);
    await change(record, store);
    if (suiteGeminiApi() === 'interactions') for (const id of harness.gemini.interactions.storedIds()) harness.gemini.interactions.expire(id);
  } finally {
    await store.close();
  }
}

/** The blob id of the final image an exchange's answer holds. */
/** The image of the record's `exchange`th answer leaves the store (evicted, say), once the record holds `exchanges`. */
async function loseAnswerImage(threadId: string, exchanges: number, exchange: number): Promise<void> {
  await withSavedRecord(threadId, exchanges, async (record, store) => {
    await store.keyv.delete(`blob:${answerImageBlob(record, exchange)}`);
  });
}

function answerImageBlob(record: ConversationRecord, exchange: number): string {
  return finalImagesOf(record.exchanges[exchange]!.model)[0]!.blob.sha256;
}

async function setAsideRecords(threadId: string): Promise<unknown[]> {
  const store = await openStore(harness.config.databaseUrl);
  try {
    const rows = (await (store.keyv.store as KeyvSqlite).query(`SELECT value FROM keyv WHERE key LIKE 'bot:conversation-set-aside:${threadId}:%'`)) as Array<{ value: string }>;
    return rows.map((row) => (JSON.parse(row.value) as { value: unknown }).value);
  } finally {
    await store.close();
  }
}

/**
 * The bot's answer to the member's message, and what Gemini was sent for it:
 * the last call, which Gemini answered. (A damaged stored image is found only
 * while the request streams, so a cut-off attempt may come before it.)
 */
async function answerTo(message: StoredMessage) {
  const answer = await waitForBotReplyTo(harness, message);
  const call = lastCall();
  expect(call.status).toBe(200);
  return { answer, call };
}

function lastCall() {
  const call = geminiCalls(harness).at(-1);
  if (!call) throw new Error('Gemini received no turn request');
  return call;
}

describe('a thread whose stored history cannot be replayed', () => {
  it('holding a corrupt image an earlier version kept, goes on from the latest image posted, says so, and stays usable', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await withSavedRecord(thread.id, 2, async (record, store) => {
      // What the bot kept before answers were checked, in that version's blob shape: base64 that is not base64.
      const sha256 = answerImageBlob(record, 1);
      await store.keyv.set(`blob:${sha256}`, { version: 1, base64: spoiled((await store.keyv.get(`blob:${sha256}`)) as string) });
    });

    const { answer, call } = await answerTo(mention(thread.id, 'now add a hat'));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toMatch(WENT_ON_FROM_IMAGE);
    // No history: the new turn alone, with the latest image the bot posted (the blue fox) as a reference.
    expect(call.seen).toEqual([{ role: 'user', texts: ['now add a hat'], images: [base64Of(firstAttachmentBytes(harness, blue))] }]);
    expect(harness.logLines.some((line) => line.includes('is not what its record says'))).toBe(true);

    // The thread goes on from the new exchange: the next reply replays it.
    const { answer: next, call: nextCall } = await answerTo(replyInThread(harness, thread.id, answer, 'make it night'));
    expect(next.attachments).toHaveLength(1);
    expect(mainText(next)).not.toMatch(/earlier history/);
    expect(nextCall.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
    expect(nextCall.seen[0]?.texts).toEqual(['now add a hat']);

    // The damaged record was set aside, not lost.
    const setAside = (await setAsideRecords(thread.id)) as ConversationRecord[];
    expect(setAside).toHaveLength(1);
    expect(setAside[0]?.exchanges).toHaveLength(2);
  });

  it('holding an image damaged in place (a quote and JSON after it, as long as its record says), never sends it and goes on from the latest image posted', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const injected = '","injected":"';
    await withSavedRecord(thread.id, 2, async (record, store) => {
      // Only the text itself tells it apart: the length is the record's, so Content-Length would still hold.
      const sha256 = answerImageBlob(record, 1);
      const stored = (await store.keyv.get(`blob:${sha256}`)) as string;
      await store.keyv.set(`blob:${sha256}`, `${stored.slice(0, 40)}${injected}${stored.slice(40 + injected.length)}`);
    });

    const callsBefore = geminiCalls(harness).length;
    const { answer, call } = await answerTo(mention(thread.id, 'now add a hat'));
    expect(answer.content).toMatch(WENT_ON_FROM_IMAGE);
    expect(call.seen).toEqual([{ role: 'user', texts: ['now add a hat'], images: [base64Of(firstAttachmentBytes(harness, blue))] }]);
    expect(harness.logLines.some((line) => line.includes('is not what its record says'))).toBe(true);
    // The replay was cut off before the damaged text: Gemini received no whole request carrying history (on
    // interactions, the attempt to go on from the expired interaction carries the new turn only).
    const receivedWhole = geminiCalls(harness)
      .slice(callsBefore)
      .filter((sent) => sent.status !== 0);
    expect(receivedWhole.filter((sent) => sent.sentTurns > 1 || sent.status === 400)).toEqual([]);
  });

  it('whose record cannot be read at all, goes on from the image the member replied to', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await withSavedRecord(thread.id, 2, async (_record, store) => {
      await store.keyv.set(`conversation:${thread.id}`, { version: 7, from: 'the future' });
    });

    const { answer, call } = await answerTo(replyInThread(harness, thread.id, starter, 'make the first one green'));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toMatch(/I could not read the earlier history of this thread, so I went on from the image you replied to/);
    expect(call.seen).toEqual([{ role: 'user', texts: ['make the first one green'], images: [base64Of(firstAttachmentBytes(harness, starter))] }]);
    expect(harness.logLines.some((line) => line.includes('unknown record version 7'))).toBe(true);

    const { answer: next, call: nextCall } = await answerTo(replyInThread(harness, thread.id, answer, 'brighter'));
    expect(next.attachments).toHaveLength(1);
    expect(nextCall.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
    expect(await setAsideRecords(thread.id)).toEqual([{ version: 7, from: 'the future' }]);
  });

  it('/imagine in that thread goes on from the latest image posted there too', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await withSavedRecord(thread.id, 2, async (_record, store) => {
      await store.keyv.set(`conversation:${thread.id}`, { version: 7, from: 'the future' });
    });
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.bob, name: 'imagine', channelId: thread.id, options: [{ name: 'prompt', type: 3, value: 'add a hat' }] });
    const answer = await harness.discord.waitForMessage(
      (message) => message.id === harness.discord.interaction(interactionId).originalMessageId && message.attachments.length > 0,
    );
    expect(answer.content).toMatch(/I could not read the earlier history of this thread, so I went on from the latest image I posted here/);
    expect(lastCall().seen).toEqual([{ role: 'user', texts: ['add a hat'], images: [base64Of(firstAttachmentBytes(harness, blue))] }]);
  });

  it('missing an older stored image, goes on from the turns after it, and tells the member what was left out and why', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    // The first answer's image leaves the store (evicted, say); the two turns after it are intact.
    await loseAnswerImage(thread.id, 3, 0);

    const { answer, call } = await answerTo(mention(thread.id, 'now at night'));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toContain('An image of this thread is no longer in my storage, so I left out its 1 oldest turn(s), up to the one that had it, and went on from the turns after.');
    expect(answer.content).not.toMatch(/earlier history/);
    // The turns after the lost image, each exactly as stored (signatures and all), then the new one.
    expect(call.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(call.seen.filter((turn) => turn.role === 'user').map((turn) => turn.texts)).toEqual([['make it blue'], ['add a hat'], ['now at night']]);
    expect(harness.logLines.some((line) => line.includes("going on from the thread's turns after the last image the store lost"))).toBe(true);
    // Nothing was set aside: the thread goes on in its own record.
    expect(await setAsideRecords(thread.id)).toEqual([]);

  });

  it('missing an older stored image, tells the member once; later turns leave its turns out without saying it again, until another image is lost', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    await loseAnswerImage(thread.id, 3, 0);
    const userTexts = (call: ReturnType<typeof lastCall>) => call.seen.filter((turn) => turn.role === 'user').map((turn) => turn.texts);

    const { answer: found } = await answerTo(mention(thread.id, 'now at night'));
    expect(found.content).toContain('An image of this thread is no longer in my storage, so I left out its 1 oldest turn(s)');

    // Two more turns, each a replay from the record (on interactions, Google's copies expire first, as past the
    // retention): the lost turn is still left out, and the member, told once, is not told again.
    await withSavedRecord(thread.id, 4, async () => {});
    const { answer: next, call: nextCall } = await answerTo(replyInThread(harness, thread.id, found, 'brighter'));
    expect(next.attachments, next.content).toHaveLength(1);
    expect(next.content).not.toContain('no longer in my storage');
    expect(next.content).not.toContain('left out');
    expect(userTexts(nextCall)).toEqual([['make it blue'], ['add a hat'], ['now at night'], ['brighter']]);
    await withSavedRecord(thread.id, 5, async () => {});
    const { answer: third, call: thirdCall } = await answerTo(replyInThread(harness, thread.id, next, 'add a moon'));
    expect(third.content).not.toContain('no longer in my storage');
    expect(userTexts(thirdCall)).toEqual([['make it blue'], ['add a hat'], ['now at night'], ['brighter'], ['add a moon']]);

    // Another image lost: that is news, said once with what it leaves out in all.
    await withSavedRecord(thread.id, 6, async (record, store) => {
      await store.keyv.delete(`blob:${answerImageBlob(record, 1)}`);
    });
    const { answer: again, call: againCall } = await answerTo(replyInThread(harness, thread.id, third, 'add stars'));
    expect(again.content).toContain('An image of this thread is no longer in my storage, so I left out its 2 oldest turn(s)');
    expect(userTexts(againCall)).toEqual([['add a hat'], ['now at night'], ['brighter'], ['add a moon'], ['add stars']]);
    await withSavedRecord(thread.id, 7, async () => {});
    const { answer: after } = await answerTo(replyInThread(harness, thread.id, again, 'softer'));
    expect(after.content).not.toContain('no longer in my storage');
  });

  it('missing an older stored image, downloads the file the member attached once, though the turn is planned again', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await loseAnswerImage(thread.id, 2, 0);
    // Found missing only while the history is read, after the file was downloaded: the turn is planned again then.
    let downloads = 0;
    const url = harness.discord.serveAt('/attachments/once/hat.png', (_request, response) => {
      downloads += 1;
      response.writeHead(200, { 'content-type': 'image/png' }).end(pngBytes(7));
    });
    const hat = { ...harness.discord.addAttachment(pngBytes(7), { filename: 'hat.png', channelId: thread.id }), url, proxy_url: url };
    const message = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'add this hat', attachments: [hat], mentionBot: true });

    const { answer, call } = await answerTo(message);
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toContain('left out its 1 oldest turn(s)');
    expect(call.seen.at(-1)).toEqual({ role: 'user', texts: ['add this hat'], images: [base64Of(pngBytes(7))] });
    expect(harness.logLines.some((line) => line.includes("going on from the thread's turns after the last image the store lost"))).toBe(true);
    expect(downloads).toBe(1);
  });

  it('missing every stored image (a mistaken BLOB_URL) under a text-only answer, starts afresh and sets the record aside with nothing marked gone', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    harness.gemini.enqueue({ kind: 'text-only', text: 'Do you want a red fox or an arctic fox?' });
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it a fox you like'));
    // The record's only image leaves the store; the latest answer, words only, holds none to lose.
    await loseAnswerImage(thread.id, 2, 0);

    const { answer, call } = await answerTo(mention(thread.id, 'a red one'));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toMatch(WENT_ON_FROM_IMAGE);
    expect(call.seen).toEqual([{ role: 'user', texts: ['a red one'], images: [base64Of(firstAttachmentBytes(harness, starter))] }]);
    // Set aside whole and unmarked, so nothing is lost for good once the store is mended; the new record marks nothing either.
    // (The answer is posted before the record is set aside and the new one saved: wait for both.)
    const setAside = await vi.waitFor(async () => {
      const records = (await setAsideRecords(thread.id)) as ConversationRecord[];
      expect(records).toHaveLength(1);
      return records;
    }, PATIENCE);
    expect(setAside[0]?.exchanges).toHaveLength(2);
    expect(JSON.stringify(setAside)).not.toContain('"gone"');
    await savedTurns(harness, thread.id, 1);
    expect(JSON.stringify(await storedConversation(harness, thread.id))).not.toContain('"gone"');
  });

  it('missing an older stored image, with a damaged one after it, goes on from the latest image posted', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const hat = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    await withSavedRecord(thread.id, 3, async (record, store) => {
      await store.keyv.delete(`blob:${answerImageBlob(record, 0)}`);
      const sha256 = answerImageBlob(record, 1);
      await store.keyv.set(`blob:${sha256}`, spoiled((await store.keyv.get(`blob:${sha256}`)) as string));
    });

    // The turns after the lost image cannot be sent either: the turn starts afresh rather than fail.
    const { answer, call } = await answerTo(mention(thread.id, 'now at night'));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toMatch(WENT_ON_FROM_IMAGE);
    expect(call.seen).toEqual([{ role: 'user', texts: ['now at night'], images: [base64Of(firstAttachmentBytes(harness, hat))] }]);
  });

  it('missing a stored image, with no later image in the thread, goes on from the image the thread was started from', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await loseAnswerImage(thread.id, 1, 0);

    const { answer, call } = await answerTo(mention(thread.id, 'now add a hat'));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toMatch(WENT_ON_FROM_IMAGE);
    expect(call.seen).toEqual([{ role: 'user', texts: ['now add a hat'], images: [base64Of(firstAttachmentBytes(harness, starter))] }]);
  });

  it('missing a stored image, keeps the thread\'s own model and image options when it goes on without the history', async () => {
    const { message: starter } = await imagine(harness, { prompt: 'a fox', aspectRatio: '21:9', model: 'gemini-3.1-flash-image' });
    const thread = await waitForThread(harness, starter.id);
    await loseAnswerImage(thread.id, 1, 0);

    const { answer } = await answerTo(replyInThread(harness, thread.id, starter, 'now add a hat'));
    expect(answer.content).toMatch(/I could not read the earlier history of this thread, so I went on from the image you replied to/);
    expect(lastCall()).toMatchObject({ model: 'gemini-3.1-flash-image', aspectRatio: '21:9' });
  });

  it('with no image of the bot left anywhere in it, goes on as a new conversation from the words alone', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    // The member deletes the only image (its Delete button), then the record is damaged.
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.alice, message: starter, customId: 'nb1:result:delete' });
    await harness.discord.waitForInteractionResponse(interactionId);
    await vi.waitFor(() => expect(harness.discord.deletedMessageIds()).toEqual([starter.id]), PATIENCE);
    await withSavedRecord(thread.id, 0, async (_record, store) => {
      await store.keyv.set(`conversation:${thread.id}`, { version: 7, from: 'the future' });
    });

    const { answer, call } = await answerTo(mention(thread.id, 'a red panda'));
    expect(answer.attachments, answer.content).toHaveLength(1);
    expect(answer.content).toMatch(/I could not read the earlier history of this thread, and found no image of mine here to go on from, so I started afresh from your message/);
    expect(call.seen).toEqual([{ role: 'user', texts: ['a red panda'], images: [] }]);

    const { call: nextCall } = await answerTo(replyInThread(harness, thread.id, answer, 'brighter'));
    expect(nextCall.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
  });
});

describe('a button on an image of a thread whose history cannot be replayed', () => {
  it('Upscale, which needs that very image, goes on from the image the button is on', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await loseAnswerImage(thread.id, 1, 0);
    const before = harness.discord.messages(thread.id).length;
    harness.discord.clickButton({ user: harness.discord.users.alice, message: starter, customId: 'nb1:result:upscale-2k' });
    const upscaled = await harness.discord.waitForMessage(
      (message) => message.channel_id === thread.id && message.attachments.length > 0 && harness.discord.messages(thread.id).indexOf(message) >= before,
    );
    expect(upscaled.content).toContain('I could not read the earlier history of this thread, so I went on from the image you replied to.');
    const sent = lastCall();
    expect(sent.seen).toHaveLength(1); // no history: the image itself, as a reference
    expect(sent.asked.images).toEqual([base64Of(firstAttachmentBytes(harness, starter))]);
    expect(sent.askedImageTypes).toEqual(['image/jpeg']);
  });
});

describe('a stored conversation that names another server', () => {
  it('is never continued, sent to Gemini or shown: the member is refused plainly and the refusal is logged', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await withSavedRecord(thread.id, 1, async (record, store) => {
      await new ConversationStore(store.keyv, new BlobStore(store.keyv)).save({ ...record, guildId: '123456789012345678' });
    });
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(mainText(answer)).toBe('This conversation belongs to another server, so I cannot continue it here.');
    expect(answer.attachments).toEqual([]);
    expect(geminiCalls(harness)).toHaveLength(1);
    expect(harness.logLines.some((line) => line.includes('belongs to another server') && line.includes('123456789012345678'))).toBe(true);
  });

  it('gets the same refusal from every button under its images as from a reply, and nothing changes', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await withSavedRecord(thread.id, 1, async (record, store) => {
      await new ConversationStore(store.keyv, new BlobStore(store.keyv)).save({ ...record, guildId: '123456789012345678' });
    });
    for (const action of ['reroll', 'upscale-2k', 'branch', 'delete']) {
      const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: `nb1:result:${action}` });
      await harness.discord.waitForInteractionResponse(interactionId);
      const answer = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && message.content !== '');
      expect(answer.content).toBe('This conversation belongs to another server, so I cannot continue it here.');
    }
    // The Edit button opens its form; what the form sends back is refused the same way.
    const opener = harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:edit' });
    expect((await harness.discord.waitForInteractionResponse(opener.interactionId)).ackType).toBe(9);
    const submitted = harness.discord.submitModal({ user: harness.discord.users.bob, interactionId: opener.interactionId, values: { instruction: 'make it red' } });
    const formAnswer = await harness.discord.waitForMessage(
      (message) => message.id === harness.discord.interaction(submitted.interactionId).originalMessageId && message.content !== '',
    );
    expect(formAnswer.content).toBe('This conversation belongs to another server, so I cannot continue it here.');
    expect(geminiCalls(harness)).toHaveLength(1);
    expect(harness.discord.deletedMessageIds()).toEqual([]);
    expect(harness.discord.threads().map((opened) => opened.id)).toEqual([thread.id]);
  });
});
