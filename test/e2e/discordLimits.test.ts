import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { heldAnswer } from '../emulators/gemini/index.js';
import { startHarness, suiteGeminiApi, type Harness } from './harness.js';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { firstAttachmentBytes, imagine, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
let harness: Harness | undefined;

afterEach(async () => {
  expect(harness?.discord.unexpectedRequests).toEqual([]);
  await harness?.close();
  harness = undefined;
});

/** Once the bot has deferred and Gemini has the call, the token's 15 minutes pass at once (the emulator's clock). */
async function tokenExpiresWhileGeminiWorks(interactionId: string, calls: number) {
  await harness!.discord.waitForInteractionResponse(interactionId);
  await vi.waitFor(() => expect(geminiCalls(harness!)).toHaveLength(calls), PATIENCE);
  harness!.discord.advanceClock(15 * 60_000 + 1);
}

const MiB = 1024 * 1024;
const Perm = { ViewChannel: 1n << 10n, SendMessages: 1n << 11n, AttachFiles: 1n << 15n, ReadMessageHistory: 1n << 16n, CreatePublicThreads: 1n << 35n, SendMessagesInThreads: 1n << 38n };
const ALL_NEEDED = Object.values(Perm).reduce((all, flag) => all | flag, 0n);

describe("Discord's limits", () => {
  it('re-encodes a result over the upload limit until it fits, and says so', async () => {
    harness = await startHarness();
    harness.gemini.enqueue({ kind: 'image', text: 'A big fox.', imageBytes: 11 * MiB });
    const { message } = await imagine(harness, { prompt: 'a huge fox', size: '4K' });
    const bytes = firstAttachmentBytes(harness, message);
    expect(bytes.length).toBeLessThanOrEqual(10 * MiB);
    expect(message.content).toMatch(/^A big fox\.\n(-# .*\n)*-# Re-encoded to fit Discord's 10 MB upload limit here\./);
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');
    // What is stored and replayed is Gemini's original, not the re-encoded copy (on interactions: replayed once
    // Google's copy is gone, so the record is what the model sees).
    const thread = await waitForThread(harness, message.id);
    if (suiteGeminiApi() === 'interactions') for (const id of harness.gemini.interactions.storedIds()) harness.gemini.interactions.expire(id);
    const edit = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'smaller', replyTo: message.id });
    await waitForBotReplyTo(harness, edit);
    const edited = geminiCalls(harness).at(-1)!;
    expect(edited.status).toBe(200);
    expect(edited.continuedFrom).toBeUndefined();
    expect(edited.seen[1]?.images).toEqual(geminiCall(harness, 0).answer?.images);
    expect(Buffer.from(edited.seen[1]!.images[0]!, 'base64').length).toBeGreaterThan(10 * MiB);
  });

  it('shrinks and retries when Discord answers 413 despite the limit it announced', async () => {
    harness = await startHarness({ discord: { uploadLimitBytes: 1 * MiB } });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    // The thread reply assumes the server's tier limit (10 MiB); the emulator refuses anything over 1 MiB.
    harness.gemini.enqueue({ kind: 'image', imageBytes: 3 * MiB });
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'bigger', replyTo: message.id });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.attachments).toHaveLength(1);
    expect(firstAttachmentBytes(harness, answer).length).toBeLessThanOrEqual(1 * MiB);
    expect(harness.discord.requests.some((request) => request.status === 413)).toBe(true);
  });

  it('posts a result that outlived the 15-minute interaction token in the channel instead', async () => {
    harness = await startHarness();
    const gemini = heldAnswer({ kind: 'image', text: 'Late fox.' });
    harness.gemini.enqueue(gemini.behaviour);
    const alice = harness.discord.users.alice;
    const { interactionId } = harness.discord.sendSlashCommand({ user: alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a late fox' }] });
    await tokenExpiresWhileGeminiWorks(interactionId, 1);
    gemini.release();
    const late = await harness.discord.waitForMessage((candidate) => candidate.author.id === harness!.discord.botUser.id && candidate.content.startsWith('Late fox.'));
    expect(late.channel_id).toBe(harness.discord.channelId);
    expect(late.content).toContain(`<@${alice.id}>`);
    expect(late.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(late.attachments).toHaveLength(1);
    const thread = await waitForThread(harness, late.id);
    expect(thread.name).toBe('a late fox');
  });

  it('tells a member whose button turn outlived the interaction token in the thread, instead of failing', async () => {
    harness = await startHarness();
    const { message } = await imagine(harness, { prompt: 'a fox' });
    await waitForThread(harness, message.id);
    // A notice for the clicker alone (an answer without an image goes in the thread on its own): a request Gemini
    // cannot process is one on both APIs (a safety refusal comes as the model's words on interactions).
    const gemini = heldAnswer({ kind: 'error', status: 400 });
    harness.gemini.enqueue(gemini.behaviour);
    const bob = harness.discord.users.bob;
    const { interactionId } = harness.discord.clickButton({ user: bob, message, customId: 'nb1:result:reroll' });
    await tokenExpiresWhileGeminiWorks(interactionId, 2);
    gemini.release();
    const notice = await harness.discord.waitForMessage((candidate) => candidate.author.id === harness!.discord.botUser.id && candidate.channel_id === message.id && candidate.content.startsWith(`<@${bob.id}>: `));
    expect(notice.content).toMatch(/could not process this request/);
    expect(notice.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(harness.logLines.some((line) => line.includes('unexpected'))).toBe(false);
  });

  it('tells /imagine users, privately, which permission an admin must grant', async () => {
    harness = await startHarness({ discord: { botPermissions: ALL_NEEDED & ~Perm.CreatePublicThreads } });
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a fox' }] });
    const notice = await harness.discord.waitForMessage((candidate) => candidate.id === harness!.discord.interaction(interactionId).originalMessageId);
    expect(harness.discord.interaction(interactionId).ackFlags).toBe(64); // ephemeral
    expect(notice.content).toMatch(/Create Public Threads/);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('tells a member in a thread which permission the bot lacks there, without calling Gemini', async () => {
    harness = await startHarness({ discord: { botPermissions: ALL_NEEDED & ~Perm.AttachFiles } });
    const { message } = await imagine(harness, { prompt: 'a fox' }); // interaction replies need no channel permission
    const thread = await waitForThread(harness, message.id);
    harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'bluer', replyTo: message.id });
    const notice = await harness.discord.waitForMessage(
      (candidate) => candidate.author.id === harness!.discord.botUser.id && candidate.channel_id === thread.id,
    );
    expect(notice.content).toMatch(/a server admin must give me the permission Attach Files in this channel/);
    expect(geminiCalls(harness)).toHaveLength(1);
  });
});
