import { describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import type { StoredMessage } from '../emulators/discord/index.js';
import { suiteGeminiApi, type Harness } from './harness.js';
import { geminiCall, geminiCalls, lastImageSeen } from './geminiCalls.js';
import { firstAttachmentBytes, imagine, isBotMessage, isProgressNote, mainText, PATIENCE, pngBytes, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
const harness = useHarness();
const roles = (index: number) => geminiCall(harness, index).seen.map((turn) => turn.role);


/** Clicks a button and waits for the bot's private answer to the click. */
async function click(h: Harness, message: StoredMessage, customId: string, user = h.discord.users.bob) {
  const { interactionId } = h.discord.clickButton({ user, message, customId });
  await h.discord.waitForInteractionResponse(interactionId);
  return interactionId;
}

/** The next result the bot posts in a thread, after a click. */
function nextResultIn(h: Harness, threadId: string, after: StoredMessage[]) {
  const known = new Set(after.map((message) => message.id));
  return h.discord.waitForMessage(
    (message) => isBotMessage(h, message) && message.channel_id === threadId && !known.has(message.id) && message.attachments.length > 0 && !isProgressNote(message),
  );
}

describe('the buttons under a result', () => {
  it('are on every image result, and not on refusals', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const ids = starter.components?.flatMap((row) => ('components' in row ? row.components.map((button) => ('custom_id' in button ? button.custom_id : '')) : []));
    expect(ids).toEqual(['nb1:result:reroll', 'nb1:result:edit', 'nb1:result:upscale-2k', 'nb1:result:upscale-4k', 'nb1:result:branch', 'nb1:result:delete']);
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    const refused = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'x', replyTo: starter.id }));
    expect(refused.components ?? []).toEqual([]);
  });

  it('Reroll makes the same turn again from the history before it, with its words, images and options', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'add a hat', replyTo: blue.id }));

    let before = harness.discord.messages(thread.id);
    const interactionId = await click(harness, starter, 'nb1:result:reroll');
    expect(harness.discord.interaction(interactionId).ackFlags).toBe(64);
    const rerolledFirst = await nextResultIn(harness, thread.id, before);
    expect(mainText(rerolledFirst)).toBe("Here's the image you asked for.");
    expect(rerolledFirst.content).toContain(`Asked by <@${harness.discord.users.bob.id}>: “a watercolor fox”`);
    // The first turn had no history: just its words again, not an edit of the latest image.
    expect(geminiCall(harness, 3)).toMatchObject({ seen: [{ role: 'user', texts: ['a watercolor fox'], images: [] }], aspectRatio: '16:9', status: 200 });
    expect(geminiCall(harness, 3).imageSize).toBeUndefined();

    before = harness.discord.messages(thread.id);
    await click(harness, blue, 'nb1:result:reroll');
    await nextResultIn(harness, thread.id, before);
    const calls = geminiCalls(harness);
    expect(roles(4)).toEqual(['user', 'model', 'user']);
    expect(calls[4]!.seen[1]).toEqual(calls[0]!.answer);
    expect(calls[4]!.seen[2]).toEqual({ role: 'user', texts: ['make it blue'], images: [] });
    expect(calls[4]!.status).toBe(200);

    // The rerolls joined the thread: a reply to the latest builds on everything.
    const next = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'and a scarf', replyTo: harness.discord.messages(thread.id).filter((m) => isBotMessage(harness, m)).at(-1)!.id });
    await waitForBotReplyTo(harness, next);
    expect(geminiCall(harness, 5).status).toBe(200);
    // The same thread on both APIs. Google's copy of the reroll's interaction skips the turns after the one it built on,
    // so on interactions this turn replays the record (as generateContent does every turn), and the next continues.
    expect(geminiCall(harness, 5).seen).toHaveLength(11);
    expect(geminiCall(harness, 5).continuedFrom).toBeUndefined();
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'and boots', replyTo: (await waitForBotReplyTo(harness, next)).id }));
    expect(geminiCall(harness, 6).seen).toHaveLength(13);
    if (suiteGeminiApi() === 'interactions') expect(geminiCall(harness, 6).continuedFrom).toBe(geminiCall(harness, 5).interactionId);
  });

  it('Reroll of the thread\'s first turn joins the thread: the next turn sees both first turns on either API', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox' });
    const before = harness.discord.messages(thread.id);
    await click(harness, starter, 'nb1:result:reroll');
    const rerolled = await nextResultIn(harness, thread.id, before);
    expect(geminiCall(harness, 1).seen).toHaveLength(1); // the reroll: its words again, from nothing
    const next = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: rerolled.id });
    const blue = await waitForBotReplyTo(harness, next);
    const calls = geminiCalls(harness);
    // What generateContent replays every turn: the first turn, its reroll, the new turn. Google's copy of the reroll's
    // interaction lacks the first turn, so on interactions this turn replays the record rather than continue from it.
    expect(calls[2]!.status).toBe(200);
    expect(calls[2]!.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(calls[2]!.seen[1]).toEqual(calls[0]!.answer);
    expect(calls[2]!.seen[3]).toEqual(calls[1]!.answer);
    expect(calls[2]!.continuedFrom).toBeUndefined();
    // The turn after goes on from there, and still sees everything.
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'add a hat', replyTo: blue.id }));
    expect(geminiCall(harness, 3).seen).toHaveLength(7);
    if (suiteGeminiApi() === 'interactions') expect(geminiCall(harness, 3).continuedFrom).toBe(calls[2]!.interactionId);
  });

  it('Reroll sends a turn\'s reference images again exactly, read from the store', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const hat = pngBytes(9);
    const withHat = harness.discord.sendMessage({
      user: harness.discord.users.bob,
      channelId: thread.id,
      content: 'put this hat on the first fox',
      replyTo: starter.id,
      attachments: [harness.discord.addAttachment(hat, { filename: 'hat.png', channelId: thread.id })],
    });
    const answer = await waitForBotReplyTo(harness, withHat);
    const asked = geminiCall(harness, 1).asked;
    expect(asked.images).toContain(hat.toString('base64'));

    const before = harness.discord.messages(thread.id);
    await click(harness, answer, 'nb1:result:reroll');
    await nextResultIn(harness, thread.id, before);
    const again = geminiCall(harness, 2);
    expect(again.asked).toEqual(asked); // the words and the hat, exactly as first sent
    expect(again.seen).toHaveLength(3);
    expect(again.status).toBe(200);
  });

  it('Upscale 4K redraws this image from itself at 4K', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const edited = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    const before = harness.discord.messages(thread.id);
    await click(harness, starter, 'nb1:result:upscale-4k');
    const upscaled = await nextResultIn(harness, thread.id, before);
    expect(upscaled.attachments).toHaveLength(1);
    const call = geminiCall(harness, 2);
    expect(call).toMatchObject({ aspectRatio: '16:9', imageSize: '4K' });
    expect(call.asked.texts[0]).toMatch(/Upscale this image to 4K/);
    // The starter is not the latest image any more: it travels with the request (generateContent), or the turn
    // continues from the interaction that made it (interactions, issue 13: an upscale builds on its image's own turn).
    // Either way it is the image the model redraws.
    expect(lastImageSeen(call)).toBe(firstAttachmentBytes(harness, starter).toString('base64'));
    if (suiteGeminiApi() === 'interactions') {
      expect(call.continuedFrom).toBe(geminiCall(harness, 0).interactionId);
      expect(call.asked.images).toEqual([]);
    }
    expect(edited.id).not.toBe(upscaled.id);

    // The upscale joined the thread after 'make it blue': a reply to it sees every turn on both APIs (on interactions
    // by replaying the record once, since Google's copy of the upscale skips 'make it blue').
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'now at night', replyTo: upscaled.id }));
    const after = geminiCall(harness, 3);
    expect(after.seen.filter((turn) => turn.role === 'user').map((turn) => turn.texts[0]?.slice(0, 12))).toEqual(['a watercolor', 'make it blue', 'Upscale this', 'now at night']);
  });

  it('Edit opens a modal and continues the conversation from this image, like a reply', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:edit' });
    const opened = await harness.discord.waitForInteractionResponse(interactionId);
    expect(opened.ackType).toBe(9);
    const before = harness.discord.messages(thread.id);
    harness.discord.submitModal({ user: harness.discord.users.bob, interactionId, values: { instruction: 'make the fox blue' } });
    const result = await nextResultIn(harness, thread.id, before);
    expect(result.content).toContain('“make the fox blue”');
    expect(geminiCall(harness, 1).asked).toEqual({ role: 'user', texts: ['make the fox blue'], images: [] });

    // Edit on the first image, no longer the latest: the model sees the whole thread, then that image with the words,
    // on either API (interactions continues from the latest interaction and sends the image, as a reply to it does).
    const again = harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:edit' });
    await harness.discord.waitForInteractionResponse(again.interactionId);
    const beforeOlder = harness.discord.messages(thread.id);
    harness.discord.submitModal({ user: harness.discord.users.bob, interactionId: again.interactionId, values: { instruction: 'make the first one green' } });
    await nextResultIn(harness, thread.id, beforeOlder);
    const calls = geminiCalls(harness);
    expect(calls[2]!.status).toBe(200);
    expect(calls[2]!.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(calls[2]!.seen[3]).toEqual(calls[1]!.answer);
    expect(calls[2]!.asked).toEqual({ role: 'user', texts: ['make the first one green'], images: [firstAttachmentBytes(harness, starter).toString('base64')] });
    if (suiteGeminiApi() === 'interactions') expect(calls[2]!.continuedFrom).toBe(calls[1]!.interactionId);
  });

  it('Branch opens a new thread whose history is the conversation up to this image; both go on independently', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'add a hat', replyTo: blue.id }));

    const interactionId = await click(harness, blue, 'nb1:result:branch');
    const notice = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && /Branched into/.test(message.content));
    const branchId = /<#(\d+)>/.exec(notice.content)![1]!;
    const branchStart = await harness.discord.waitForMessage((message) => message.channel_id === branchId && isBotMessage(harness, message));
    expect(firstAttachmentBytes(harness, branchStart).equals(firstAttachmentBytes(harness, blue))).toBe(true);

    const inBranch = harness.discord.sendMessage({ user: harness.discord.users.alice, channelId: branchId, content: 'make it green instead', replyTo: branchStart.id });
    await waitForBotReplyTo(harness, inBranch);
    const calls = geminiCalls(harness);
    expect(roles(3)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(calls[3]!.seen[1]).toEqual(calls[0]!.answer);
    expect(calls[3]!.seen[3]).toEqual(calls[1]!.answer);
    expect(calls[3]!.status).toBe(200);
    // On interactions the branch goes on from the branched image's interaction, which both threads share.
    if (suiteGeminiApi() === 'interactions') expect(calls[3]!.continuedFrom).toBe(calls[1]!.interactionId);

    const inOriginal = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'now at night', replyTo: blue.id });
    await waitForBotReplyTo(harness, inOriginal);
    const original = geminiCall(harness, 4);
    expect(original.seen).toHaveLength(7); // three earlier exchanges + the new turn: the branch did not touch it
    expect(original.seen[5]).toEqual(calls[2]!.answer);
    // On interactions, from the original thread's latest interaction, the older image sent with the words as generateContent does.
    if (suiteGeminiApi() === 'interactions') expect(original.continuedFrom).toBe(calls[2]!.interactionId);
    expect(original.asked.images).toEqual([firstAttachmentBytes(harness, blue).toString('base64')]);
  });

  it('Branch: a message in the new thread while its first image is still being posted waits for the branch, and goes on from it', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    // The branch's first image is held at Discord until the test lets it through: the next message post after the click is that one.
    let release!: () => void;
    let posting!: () => void;
    const starterPosting = new Promise<void>((resolve) => (posting = resolve));
    harness.discord.injectFault({ method: 'POST', path: /^\/channels\/\d+\/messages$/, holdUntil: new Promise<void>((resolve) => (release = resolve)), onHeld: posting });
    await click(harness, blue, 'nb1:result:branch');
    await starterPosting; // the bot has its new thread and is posting the first image there
    const branchId = harness.discord.threads().find((opened) => opened.id !== thread.id)!.id;
    const early = harness.discord.sendMessage({ user: harness.discord.users.alice, channelId: branchId, content: 'make it green', mentionBot: true });
    // The message has reached the bot (it shows it is typing) before the first image is let through.
    await vi.waitFor(() => expect(harness.discord.requests.some((request) => request.method === 'POST' && request.path === `/channels/${branchId}/typing`)).toBe(true), PATIENCE);
    release();
    await waitForBotReplyTo(harness, early);
    // The branch's two exchanges, then the new words: not a conversation of its own, which the branch's save would overwrite.
    expect(roles(2)).toEqual(['user', 'model', 'user', 'model', 'user']);
    // The answer is posted before its turn is saved: wait for the save rather than read in between.
    const store = await openStore(harness.config.databaseUrl);
    try {
      await vi.waitFor(async () => {
        const stored = await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load(branchId);
        expect(stored.kind === 'found' && stored.record.exchanges.length).toBe(3);
      }, PATIENCE);
    } finally {
      await store.close();
    }
  });

  it('Delete removes the result for the person who asked, keeps the history consistent, and refuses others', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));

    const refusedId = await click(harness, blue, 'nb1:result:delete', harness.discord.users.carol);
    const refusal = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(refusedId).originalMessageId && !/^$/.test(message.content));
    expect(refusal.content).toMatch(/Only the person who asked/);
    expect(harness.discord.deletedMessageIds()).toEqual([]);

    await click(harness, blue, 'nb1:result:delete', harness.discord.users.bob);
    await harness.discord.waitForMessage((message) => /Deleted/.test(message.content));
    expect(harness.discord.deletedMessageIds()).toEqual([blue.id]);
    const next = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it red', replyTo: starter.id });
    await waitForBotReplyTo(harness, next);
    expect(roles(2)).toEqual(['user', 'model', 'user']);
  });

  it('Delete says so plainly when the image left the conversation but Discord kept its message', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    harness.discord.injectFault({ method: 'DELETE', path: new RegExp(`/messages/${blue.id}$`), error: { status: 403, code: 50013, message: 'Missing Permissions' } });
    const interactionId = await click(harness, blue, 'nb1:result:delete', harness.discord.users.bob);
    const answer = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && message.content !== '');
    expect(answer.content).toBe(
      'I took that image out of the conversation, but Discord did not let me remove its message just now. A moderator can delete the message; the conversation already goes on without it.',
    );
    expect(harness.discord.deletedMessageIds()).toEqual([]);
    const next = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it red', replyTo: starter.id });
    await waitForBotReplyTo(harness, next);
    expect(roles(2)).toEqual(['user', 'model', 'user']);
  });

  it('Delete is allowed to a member with Manage Messages who did not ask', async () => {
    const { starter } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' }); // alice asked
    harness.discord.setMemberPermissions(harness.discord.users.carol, (1n << 10n) | (1n << 11n) | (1n << 13n)); // View, Send, Manage Messages
    const interactionId = await click(harness, starter, 'nb1:result:delete', harness.discord.users.carol);
    await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && /Deleted/.test(message.content));
    expect(harness.discord.deletedMessageIds()).toEqual([starter.id]);
  });

  it('keep working after a restart', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    await harness.restart();
    const before = harness.discord.messages(thread.id);
    await click(harness, starter, 'nb1:result:reroll');
    expect((await nextResultIn(harness, thread.id, before)).attachments).toHaveLength(1);
  });

  it('work when clicked the moment the first image appears, before its thread exists', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const interactionId = await click(harness, message, 'nb1:result:branch'); // no wait for the thread
    const notice = await harness.discord.waitForMessage((reply) => reply.id === harness.discord.interaction(interactionId).originalMessageId && reply.content !== '');
    expect(notice.content).toMatch(/Branched into/);
  });

  it('keep a refusal private to the clicker instead of posting it in the thread', async () => {
    await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'daily_images', type: 4, value: 1 }]);
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' }); // alice's one image today
    const interactionId = await click(harness, starter, 'nb1:result:reroll', harness.discord.users.alice);
    const notice = await harness.discord.waitForMessage((reply) => reply.id === harness.discord.interaction(interactionId).originalMessageId && reply.content !== '');
    expect(notice.content).toMatch(/You have used your 1 image for today/);
    expect(notice.flags! & 64).toBe(64);
    expect(harness.discord.messages(thread.id).filter((message) => isBotMessage(harness, message))).toEqual([]);
  });

  it('keep working in a thread archived before a restart, which the restarted bot does not know yet', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    harness.discord.archiveThread(thread.id);
    await harness.restart();
    const interactionId = await click(harness, blue, 'nb1:result:branch');
    const notice = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId && message.content !== '');
    expect(notice.content).toMatch(/Branched into/);
  });

  it('answer a stale or foreign id politely and privately, never "interaction failed"', async () => {
    const { starter } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    for (const customId of ['nb0:result:reroll', 'someone-elses-button', 'nb1:result:explode']) {
      const interactionId = await click(harness, starter, customId);
      const record = harness.discord.interaction(interactionId);
      expect(record.ackFlags).toBe(64);
      const reply = await harness.discord.waitForMessage((message) => message.id === record.originalMessageId);
      expect(reply.content).toMatch(/older version of me/);
    }
  });
});
