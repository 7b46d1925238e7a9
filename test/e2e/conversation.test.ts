import { describe, expect, it, vi } from 'vitest';
import { heldAnswer } from '../emulators/gemini/index.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import { useHarness } from './useHarness.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCall, geminiCalls, wordsOf, type SeenTurn } from './geminiCalls.js';
import { firstAttachmentBytes, imagine, mainText, PATIENCE, pngBytes, replyInThread, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): it reads what the model saw through geminiCalls, not one API's bodies.
const harness = useHarness();

const base64Of = (bytes: Buffer) => bytes.toString('base64');
const roles = (turns: SeenTurn[]) => turns.map((turn) => turn.role);

/** /imagine, then the thread it opened. */


/** The bot starts "typing…" in the thread as it takes a message in, before the message waits its turn. */
async function messagesTakenIn(threadId: string, count: number) {
  const typing = () => harness.discord.requests.filter((request) => request.method === 'POST' && request.path.endsWith(`/channels/${threadId}/typing`));
  await vi.waitFor(() => expect(typing().length).toBeGreaterThanOrEqual(count), PATIENCE);
}

describe('editing by replying in the thread', () => {
  it('carries the whole conversation, images exactly, across three turns', async () => {
    harness.gemini.enqueue({ kind: 'image', text: 'A fox.', thoughtImages: 2 }, { kind: 'image', text: 'A blue fox.' }, { kind: 'image', text: 'A blue fox with a hat.' });
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });

    // The first image message lives in the parent channel; a reply to it from the thread must still work.
    const firstReply = replyInThread(harness, thread.id, starter, 'now make the fox blue');
    const second = await waitForBotReplyTo(harness, firstReply);
    expect(second.channel_id).toBe(thread.id);
    expect(mainText(second)).toBe('A blue fox.');
    expect(harness.gemini.imageInfo(firstAttachmentBytes(harness, second))?.prompt).toBe('now make the fox blue');

    const secondReply = replyInThread(harness, thread.id, second, 'give it a hat', harness.discord.users.alice);
    const third = await waitForBotReplyTo(harness, secondReply);
    expect(mainText(third)).toBe('A blue fox with a hat.');

    const calls = geminiCalls(harness);
    expect(calls.map((call) => call.status)).toEqual([200, 200, 200]);
    const seen = calls[2]!.seen;
    expect(roles(seen)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(seen[0]).toEqual({ role: 'user', texts: ['a watercolor fox'], images: [] });
    expect(seen[2]).toEqual({ role: 'user', texts: ['now make the fox blue'], images: [] });
    expect(seen[4]).toEqual({ role: 'user', texts: ['give it a hat'], images: [] });
    // The earlier model turns are what Gemini answered (wire-exact replay, signatures included: generateContentWire.test.ts).
    expect(seen[1]).toEqual(calls[0]!.answer);
    expect(seen[3]).toEqual(calls[1]!.answer);
    // The image in the history is byte for byte the one Discord showed.
    expect(seen[1]!.images).toEqual([base64Of(firstAttachmentBytes(harness, starter))]);
    // The thread keeps the aspect ratio chosen with /imagine.
    expect(calls[2]).toMatchObject({ aspectRatio: '16:9' });
    expect(calls[2]!.imageSize).toBeUndefined();
  });

  it('ignores people talking in the thread who neither reply to the bot nor mention it', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    harness.discord.sendMessage({ user: harness.discord.users.alice, channelId: thread.id, content: 'love it!' });
    harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'me too' });
    const real = replyInThread(harness, thread.id, starter, 'make it night');
    await waitForBotReplyTo(harness, real);
    expect(geminiCalls(harness)).toHaveLength(2);
    const botMessages = harness.discord.messages(thread.id).filter((message) => message.author.id === harness.discord.botUser.id);
    expect(botMessages.map((message) => message.message_reference?.message_id)).toEqual([real.id]);
  });

  it('re-sends an older image when someone replies to it, so the edit applies to that image', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const latest = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const olderReply = replyInThread(harness, thread.id, starter, 'make the first one green instead');
    const green = await waitForBotReplyTo(harness, olderReply);
    expect(latest.id).not.toBe(green.id);

    // The model sees the whole thread, then the image replied to with the words, on either API: generateContent
    // sends it all; interactions continues from the latest interaction and sends the image with the words.
    const calls = geminiCalls(harness);
    const greenCall = calls[2]!;
    expect(greenCall.status).toBe(200);
    expect(roles(greenCall.seen)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(greenCall.seen[3]).toEqual(calls[1]!.answer);
    expect(greenCall.asked).toEqual({ role: 'user', texts: ['make the first one green instead'], images: [base64Of(firstAttachmentBytes(harness, starter))] });
    if (suiteGeminiApi() === 'interactions') expect(greenCall.continuedFrom).toBe(calls[1]!.interactionId);

    // Replying to the latest image sends just the text: the image is already the last thing in the history.
    const toLatest = replyInThread(harness, thread.id, green, 'brighter');
    await waitForBotReplyTo(harness, toLatest);
    expect(geminiCall(harness, 3).asked).toEqual({ role: 'user', texts: ['brighter'], images: [] });
  });

  it('sends along the image replied to when the history lost its turn, so the edit applies to that image', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    // The process died between posting the blue fox and saving its turn: the record knows only the first exchange.
    const store = await openStore(harness.config.databaseUrl);
    const conversations = new ConversationStore(store.keyv, new BlobStore(store.keyv));
    const saved = await vi.waitFor(async () => {
      const loaded = await conversations.load(thread.id);
      if (loaded.kind !== 'found' || loaded.record.exchanges.length < 2) throw new Error('not saved yet');
      return loaded.record;
    }, PATIENCE);
    await conversations.save({ ...saved, exchanges: saved.exchanges.slice(0, 1) });
    await store.close();

    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'now add a hat'));
    const call = geminiCall(harness, 2);
    expect(call.asked).toEqual({ role: 'user', texts: ['now add a hat'], images: [base64Of(firstAttachmentBytes(harness, blue))] });
    expect(roles(call.seen)).toEqual(['user', 'model', 'user']);
  });

  it('answers two replies sent together one after the other, the second seeing the first\'s result', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const firstEdit = heldAnswer({ kind: 'image', text: 'first edit' });
    harness.gemini.enqueue(firstEdit.behaviour, { kind: 'image', text: 'second edit' });
    const first = replyInThread(harness, thread.id, starter, 'make it blue');
    const second = replyInThread(harness, thread.id, starter, 'add a moon', harness.discord.users.alice);
    // Gemini holds the first edit until the bot has taken in both replies: the second surely waits behind it.
    await messagesTakenIn(thread.id, 2);
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(2), PATIENCE);
    firstEdit.release();
    const [firstAnswer, secondAnswer] = await Promise.all([waitForBotReplyTo(harness, first), waitForBotReplyTo(harness, second)]);
    expect(mainText(firstAnswer)).toBe('first edit');
    expect(mainText(secondAnswer)).toBe('second edit');

    const calls = geminiCalls(harness);
    expect(calls.slice(1).map((call) => wordsOf(call.asked))).toEqual(['make it blue', 'add a moon']);
    expect(calls[2]!.seen).toHaveLength(5);
    // The first's answer inside what the second saw: the second call went out after the first came back (on
    // interactions it continues from the first's interaction), and the starter it edits travels with its words.
    expect(calls[2]!.seen[3]).toEqual(calls[1]!.answer);
    expect(calls[2]!.asked.images).toEqual([base64Of(firstAttachmentBytes(harness, starter))]);
    if (suiteGeminiApi() === 'interactions') expect(calls[2]!.continuedFrom).toBe(calls[1]!.interactionId);
  });

  it('keeps the order of arrival even when the first reply\'s attachment downloads slowly', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    let releaseDownload!: () => void;
    const downloadMayFinish = new Promise<void>((resolve) => (releaseDownload = resolve));
    const slowUrl = harness.discord.serveAt('/attachments/slow/hat.png', (_request, response) => {
      void downloadMayFinish.then(() => response.writeHead(200, { 'content-type': 'image/png' }).end(pngBytes(7)));
    });
    const slow = { ...harness.discord.addAttachment(pngBytes(7), { filename: 'hat.png' }), url: slowUrl };
    const first = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'first: add this hat', attachments: [slow], replyTo: starter.id });
    const second = replyInThread(harness, thread.id, starter, 'second: make it night');
    // The download finishes only once the bot has taken in both messages, so the second had every chance to overtake.
    await messagesTakenIn(thread.id, 2);
    releaseDownload();
    await Promise.all([waitForBotReplyTo(harness, first), waitForBotReplyTo(harness, second)]);
    const calls = geminiCalls(harness);
    expect(calls.slice(1).map((call) => call.asked.texts[0])).toEqual(['first: add this hat', 'second: make it night']);
  });

  it('continues the thread when /imagine is used inside it, with the new options', async () => {
    const { thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const { message } = await imagine(harness, { prompt: 'now as a 4K poster', size: '4K', channelId: thread.id });
    expect(message.channel_id).toBe(thread.id);
    const call = geminiCall(harness, 1);
    expect(roles(call.seen)).toEqual(['user', 'model', 'user']);
    expect(call).toMatchObject({ aspectRatio: '16:9', imageSize: '4K' });
    expect(harness.discord.threads()).toHaveLength(1); // no thread inside the thread
  });

  it('keeps a refused turn out of the history so the next reply still works', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    // On interactions a refusal Google marks failed (one in words alone is kept like any answer without an image:
    // geminiInteractions.test.ts).
    harness.gemini.interactions.setSafetyStyle('failed');
    harness.gemini.enqueue({ kind: 'finish', reason: 'IMAGE_SAFETY' });
    const refused = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'something unsafe'));
    expect(refused.attachments).toEqual([]); // the wording per API: outcomes.test.ts, geminiInteractions.test.ts
    const next = replyInThread(harness, thread.id, starter, 'make it blue');
    const answer = await waitForBotReplyTo(harness, next);
    expect(answer.attachments).toHaveLength(1);
    const call = geminiCall(harness, 2);
    expect(call.status).toBe(200);
    expect(call.seen).toEqual([geminiCall(harness, 0).asked, geminiCall(harness, 0).answer, { role: 'user', texts: ['make it blue'], images: [] }]);
  });
});

describe('a damaged conversation record', () => {
  it('is never misread: the member is told, the turn goes on without it, and the bot keeps working', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const sqlite = (await import('../../src/store/openStore.js')).openStore;
    const store = await sqlite(harness.config.databaseUrl);
    await store.keyv.set(`conversation:${thread.id}`, { version: 7, from: 'the future' });
    await store.close();
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(answer.content).toMatch(/could not read the earlier history of this thread/); // details: unreadableHistory.test.ts
    expect(geminiCall(harness, 1).seen).toHaveLength(1);
    expect(harness.logLines.some((line) => line.includes('unknown record version 7'))).toBe(true);
    const fresh = await imagine(harness, { prompt: 'a new fox' });
    expect(fresh.message.attachments).toHaveLength(1);
  });
});

describe('a restart', () => {
  it('continues every thread exactly where it was', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const edited = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    await harness.restart();

    const afterRestart = replyInThread(harness, thread.id, edited, 'now add snow');
    const answer = await waitForBotReplyTo(harness, afterRestart);
    expect(answer.attachments).toHaveLength(1);
    const calls = geminiCalls(harness);
    expect(calls[2]!.status).toBe(200);
    expect(calls[2]!.seen).toHaveLength(5);
    expect(calls[2]!.seen[1]).toEqual(calls[0]!.answer);
    expect(calls[2]!.seen[3]).toEqual(calls[1]!.answer);
  });
});
