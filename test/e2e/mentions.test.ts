import { describe, expect, it } from 'vitest';
import { useHarness } from './useHarness.js';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { firstAttachmentBytes, imagine, isBotMessage, jpegBytes, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
const harness = useHarness();

describe('mentioning the bot with images', () => {
  it('outside a thread starts a new conversation from the exact bytes, typed by their content not their names', async () => {
    const png = pngBytes(1);
    const jpeg = jpegBytes(2);
    const attachments = [
      // Misnamed and mislabelled on purpose: the bytes decide the type.
      harness.discord.addAttachment(png, { filename: 'photo.jpg', contentType: 'image/jpeg' }),
      harness.discord.addAttachment(jpeg, { filename: 'sketch.png', contentType: 'image/png' }),
    ];
    const ask = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'put the hat on the cat', attachments, mentionBot: true });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.channel_id).toBe(harness.discord.channelId);
    expect(answer.attachments).toHaveLength(1);

    const first = geminiCall(harness, 0);
    expect(first.seen).toEqual([{ role: 'user', texts: ['put the hat on the cat'], images: [png.toString('base64'), jpeg.toString('base64')] }]);
    expect(first.askedImageTypes).toEqual(['image/png', 'image/jpeg']);

    const thread = await waitForThread(harness, answer.id);
    expect(thread.name).toBe('put the hat on the cat');
    const edit = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'smaller hat', replyTo: answer.id });
    await waitForBotReplyTo(harness, edit);
    expect(geminiCall(harness, 1).seen).toHaveLength(3);
  });

  it('inside a conversation thread adds the images to that turn', async () => {
    const { message } = await imagine(harness, { prompt: 'a cat' });
    const thread = await waitForThread(harness, message.id);
    const png = pngBytes(9);
    const attachment = harness.discord.addAttachment(png, { filename: 'hat.png', channelId: thread.id });
    const ask = harness.discord.sendMessage({
      user: harness.discord.users.bob,
      channelId: thread.id,
      content: 'give the cat this hat',
      attachments: [attachment],
      mentionBot: true,
    });
    await waitForBotReplyTo(harness, ask);
    const call = geminiCall(harness, 1);
    expect(call.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
    expect(call.asked).toEqual({ role: 'user', texts: ['give the cat this hat'], images: [png.toString('base64')] });
    expect(call.askedImageTypes).toEqual(['image/png']);
    expect(call.status).toBe(200);
  });

  it('replying to an older image inside a thread edits that image with the whole thread as context, on either API', async () => {
    const { message } = await imagine(harness, { prompt: 'a cat' });
    const thread = await waitForThread(harness, message.id);
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it black', replyTo: message.id }));
    const png = pngBytes(9);
    const ask = harness.discord.sendMessage({
      user: harness.discord.users.bob,
      channelId: thread.id,
      content: 'give the first cat this hat',
      attachments: [harness.discord.addAttachment(png, { filename: 'hat.png', channelId: thread.id })],
      replyTo: message.id,
      mentionBot: true,
    });
    await waitForBotReplyTo(harness, ask);
    const calls = geminiCalls(harness);
    expect(calls[2]!.status).toBe(200);
    expect(calls[2]!.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(calls[2]!.seen[3]).toEqual(calls[1]!.answer);
    // The first cat again, then the member's hat (on interactions: continuing from the latest interaction).
    expect(calls[2]!.asked).toEqual({ role: 'user', texts: ['give the first cat this hat'], images: [firstAttachmentBytes(harness, message).toString('base64'), png.toString('base64')] });
    if (calls[2]!.api === 'interactions') expect(calls[2]!.continuedFrom).toBe(calls[1]!.interactionId);
  });

  it('refuses a file that is not an image with a clear message and no Gemini call', async () => {
    const text = harness.discord.addAttachment(Buffer.from('just some notes'), { filename: 'notes.png', contentType: 'image/png' });
    const ask = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'use this', attachments: [text], mentionBot: true });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.content).toContain('notes.png');
    expect(answer.content).toMatch(/not a PNG, JPEG, WebP or HEIC image/);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('does not take a reply outside a thread as a mention just because Discord listed the bot in its mentions', async () => {
    const { message } = await imagine(harness, { prompt: 'a cat' });
    const chatter = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'nice cat', replyTo: message.id });
    const real = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'a dog please', mentionBot: true });
    await waitForBotReplyTo(harness, real);
    expect(geminiCalls(harness)).toHaveLength(2);
    expect(harness.discord.messages(harness.discord.channelId).some((m) => isBotMessage(harness, m) && m.message_reference?.message_id === chatter.id)).toBe(false);
  });
});

describe('pings', () => {
  it('never pings anyone, even when the prompt and the model\'s text contain @everyone and user mentions', async () => {
    const alice = harness.discord.users.alice;
    harness.gemini.enqueue(
      { kind: 'image', text: `@everyone look, <@${alice.id}> asked for this` },
      { kind: 'text-only', text: '@here which one, <@&123456789012345678>?' },
    );
    const { message } = await imagine(harness, { prompt: `@everyone <@${alice.id}> a cat` });
    const thread = await waitForThread(harness, message.id);
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: '@everyone again', replyTo: message.id });
    await waitForBotReplyTo(harness, ask);

    const messagePayloads = harness.discord.requests.filter(
      (request) =>
        (request.method === 'POST' || request.method === 'PATCH') &&
        !request.path.endsWith('/threads') && // starting a thread sends a name, not a message
        (/\/messages(\/|$)/.test(request.path) || /^\/webhooks\/\d+\/[^/]+$/.test(request.path)),
    );
    expect(messagePayloads.length).toBeGreaterThanOrEqual(2);
    for (const request of messagePayloads) {
      expect(request.json, `${request.method} ${request.path}`).toMatchObject({ allowed_mentions: { parse: [], replied_user: false } });
    }
    const botMessages = [...harness.discord.messages(harness.discord.channelId), ...harness.discord.messages(thread.id)].filter((m) =>
      isBotMessage(harness, m),
    );
    for (const sent of botMessages) expect(sent.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });
});
