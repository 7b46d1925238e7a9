import { describe, expect, it } from 'vitest';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { imagine, isBotMessage, isProgressNote, jpegBytes, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.

const harness = useHarness();

describe('"Edit with Gemini" on any message with images', () => {
  it('asks for an instruction, then starts a conversation from that message\'s images', async () => {
    const png = pngBytes(4);
    const jpeg = jpegBytes(5);
    const photo = harness.discord.sendMessage({
      user: harness.discord.users.bob,
      content: 'my cat and my hat',
      attachments: [harness.discord.addAttachment(png, { filename: 'cat.png' }), harness.discord.addAttachment(jpeg, { filename: 'hat.jpg' })],
    });
    const { interactionId } = harness.discord.sendMessageCommand({ user: harness.discord.users.alice, name: 'Edit with Gemini', message: photo });
    expect((await harness.discord.waitForInteractionResponse(interactionId)).ackType).toBe(9);
    expect(geminiCalls(harness)).toHaveLength(0); // nothing happens before the instruction

    const submitted = harness.discord.submitModal({ user: harness.discord.users.alice, interactionId, values: { instruction: 'put the hat on the cat' } });
    const result = await harness.discord.waitForMessage(
      (message) => isBotMessage(harness, message) && message.id === harness.discord.interaction(submitted.interactionId).originalMessageId && !isProgressNote(message),
    );
    expect(result.attachments).toHaveLength(1);
    expect(result.content).toContain(`Asked by <@${harness.discord.users.alice.id}>: “put the hat on the cat”`);
    const call = geminiCall(harness, 0);
    expect(call.seen).toEqual([{ role: 'user', texts: ['put the hat on the cat'], images: [png.toString('base64'), jpeg.toString('base64')] }]);
    expect(call.askedImageTypes).toEqual(['image/png', 'image/jpeg']);
    const thread = await waitForThread(harness, result.id);
    expect(thread.name).toBe('put the hat on the cat');
  });

  it('says so privately when the message has no images, without opening a modal', async () => {
    const plain = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'just words' });
    const { interactionId } = harness.discord.sendMessageCommand({ user: harness.discord.users.alice, name: 'Edit with Gemini', message: plain });
    const record = await harness.discord.waitForInteractionResponse(interactionId);
    expect(record.ackType).toBe(4);
    expect(record.ackFlags).toBe(64);
    const reply = await harness.discord.waitForMessage((message) => message.id === record.originalMessageId);
    expect(reply.content).toMatch(/no images to edit/);
  });
});

describe('"Edit with Gemini" when things are off', () => {
  it('refuses an empty instruction privately, without calling Gemini', async () => {
    const photo = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'cat', attachments: [harness.discord.addAttachment(pngBytes(1), { filename: 'cat.png' })] });
    const { interactionId } = harness.discord.sendMessageCommand({ user: harness.discord.users.alice, name: 'Edit with Gemini', message: photo });
    await harness.discord.waitForInteractionResponse(interactionId);
    const submitted = harness.discord.submitModal({ user: harness.discord.users.alice, interactionId, values: { instruction: '   ' } });
    const record = await harness.discord.waitForInteractionResponse(submitted.interactionId);
    expect(record.ackFlags).toBe(64);
    const reply = await harness.discord.waitForMessage((message) => message.id === record.originalMessageId);
    expect(reply.content).toMatch(/instruction was empty/);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('opens its modal on an image in a thread archived before a restart', async () => {
    const { message: starter } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, starter.id);
    const answer = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    harness.discord.archiveThread(thread.id);
    await harness.restart(); // the new process knows only active threads
    const { interactionId } = harness.discord.sendMessageCommand({ user: harness.discord.users.alice, name: 'Edit with Gemini', message: answer });
    expect((await harness.discord.waitForInteractionResponse(interactionId)).ackType).toBe(9);
  });
});
