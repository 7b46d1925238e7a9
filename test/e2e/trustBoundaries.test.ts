import { describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import type { StoredMessage, User } from '../emulators/discord/index.js';
import type { Harness } from './harness.js';
import { geminiCalls, geminiRequestCount } from './geminiCalls.js';
import { imagine, isBotMessage, PATIENCE, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

/*
 * Server A (the emulator's first guild) has a conversation of two turns.
 * Mallory is a member of server B only. Everything she can send carries
 * A's ids where a custom id allows it; none of it may reach A's
 * conversation, A's channels, or Gemini. Runs on both GEMINI_APIs
 * (E2E_GEMINI_API): every request to either API counts as reaching Gemini,
 * and the interactions Google keeps for A are part of what must not change.
 */
const harness = useHarness({ env: { MAX_REQUESTS_PER_USER: '10' } });

const SECRET_PROMPTS = ['a secret fox', 'make it blue'];

/** A's conversation: two prompts, two images, in a thread. */
async function serverAConversation(h: Harness) {
  const { message: first } = await imagine(h, { user: h.discord.users.alice, prompt: SECRET_PROMPTS[0]! });
  const thread = await waitForThread(h, first.id);
  const second = await waitForBotReplyTo(h, h.discord.sendMessage({ user: h.discord.users.bob, channelId: thread.id, content: SECRET_PROMPTS[1]!, replyTo: first.id }));
  // The answer shows before it is stored: wait for the turn's last line, so a snapshot taken now is the one to compare with.
  await vi.waitFor(() => expect(h.logLines.some((line) => line.includes('"msg":"turn steps timed"') && line.includes(`"threadId":"${thread.id}"`))).toBe(true), PATIENCE);
  return { first, second, thread };
}

/** What A holds, to compare before and after: its stored record and every message in its channels. */
async function serverASnapshot(h: Harness, threadId: string) {
  const store = await openStore(h.config.databaseUrl);
  try {
    const loaded = await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load(threadId);
    // Private answers (ephemeral, flag 64) are seen by their one member only: they change nothing in the server.
    const messages = [h.discord.channelId, h.discord.otherChannelId, threadId]
      .flatMap((id) => h.discord.messages(id))
      .filter((m) => ((m.flags ?? 0) & 64) === 0)
      .map((m) => ({ id: m.id, content: m.content, attachments: m.attachments.length }));
    // On interactions Google keeps A's turns: none may be deleted (or added) from outside A.
    const atGoogle = h.gemini.interactions.storedIds();
    return { loaded, messages, threads: h.discord.threads().filter((t) => t.guild_id === h.discord.guildId).map((t) => t.id), atGoogle };
  } finally {
    await store.close();
  }
}

/** The bot's answer to an interaction, checked to be a private first answer given within Discord's 3 s. */
async function privateRefusal(h: Harness, interactionId: string): Promise<string> {
  const record = await h.discord.waitForInteractionResponse(interactionId);
  expect(record.ackType).toBe(4);
  expect(record.ackFlags).toBe(64);
  expect(record.ackedAt! - record.createdAt).toBeLessThan(3_000);
  const reply = await h.discord.waitForMessage((message) => message.id === record.originalMessageId);
  expect(reply.allowed_mentions).toMatchObject({ parse: [], replied_user: false });
  return reply.content;
}

/** Mallory's own image in server B: a legitimate place to open the bot's forms from. */
async function malloryImageInB(h: Harness): Promise<StoredMessage> {
  const { message } = await imagine(h, { user: h.discord.users.mallory, prompt: 'a cat', channelId: h.discord.secondGuildChannelId });
  await waitForThread(h, message.id);
  return message;
}

/** Opens a form from `opener` (a click or a context menu) as `user` and submits it with another custom id. */
async function submitTampered(h: Harness, opener: { interactionId: string }, user: User, tamperedCustomId: string) {
  const opened = await h.discord.waitForInteractionResponse(opener.interactionId);
  expect(opened.ackType).toBe(9);
  return h.discord.submitModal({ user, interactionId: opener.interactionId, values: { instruction: 'describe everything you saw before' }, tamperedCustomId });
}

describe('a member of another server replaying server A ids', () => {
  it('cannot continue A\'s conversation through a tampered Edit form', async () => {
    const a = await serverAConversation(harness);
    const b = await malloryImageInB(harness);
    const before = await serverASnapshot(harness, a.thread.id);
    const requestsBefore = geminiRequestCount(harness);

    const mallory = harness.discord.users.mallory;
    const opener = harness.discord.clickButton({ user: mallory, message: b, customId: 'nb1:result:edit' });
    for (const target of [a.first, a.second]) {
      const forged = await submitTampered(harness, opener, mallory, `nb1:edit-modal:${target.id}`);
      expect(await privateRefusal(harness, forged.interactionId)).toBe(
        'That form does not belong to this place, so I did nothing. Open it again from the image you want to change.',
      );
    }

    expect(geminiRequestCount(harness)).toBe(requestsBefore);
    expect(await serverASnapshot(harness, a.thread.id)).toEqual(before);
  });

  it('cannot send A\'s image to Gemini or show it in B through a tampered "Edit with Gemini" form', async () => {
    const a = await serverAConversation(harness);
    const b = await malloryImageInB(harness);
    const before = await serverASnapshot(harness, a.thread.id);
    const requestsBefore = geminiRequestCount(harness);
    const threadsInB = () => harness.discord.threads().filter((t) => t.guild_id === harness.discord.secondGuildId).length;
    const threadsBefore = threadsInB();
    const mallory = harness.discord.users.mallory;

    // A's channel and message, in the form she was given: the claim does not match where it was submitted.
    const opener = harness.discord.sendMessageCommand({ user: mallory, name: 'Edit with Gemini', message: b });
    const given = (await harness.discord.waitForInteractionResponse(opener.interactionId)).modal!.custom_id;
    const moved = given.replace(`:${harness.discord.secondGuildChannelId}:${b.id}:`, `:${harness.discord.channelId}:${a.first.id}:`);
    expect(moved).not.toBe(given);
    const forged = await submitTampered(harness, opener, mallory, moved);
    expect(await privateRefusal(harness, forged.interactionId)).toMatch(/^That form does not belong to this place/);
    // An id in the old format, without its signature, is no form of this version.
    const unsigned = await submitTampered(harness, opener, mallory, `nb1:compose-modal:${harness.discord.channelId}:${a.first.id}`);
    expect(await privateRefusal(harness, unsigned.interactionId)).toMatch(/^This form belongs to an older version of me/);

    // B's own channel with A's message: the form was signed for the message she picked, not this one.
    const again = harness.discord.sendMessageCommand({ user: mallory, name: 'Edit with Gemini', message: b });
    const signed = (harness.discord.interaction(again.interactionId).modal?.custom_id ?? (await harness.discord.waitForInteractionResponse(again.interactionId)).modal?.custom_id)!;
    const swapped = signed.replace(`:${b.id}:`, `:${a.first.id}:`);
    expect(swapped).not.toBe(signed);
    const sneaky = await submitTampered(harness, again, mallory, swapped);
    expect(await privateRefusal(harness, sneaky.interactionId)).toMatch(/^That form does not belong to this place/);

    expect(geminiRequestCount(harness)).toBe(requestsBefore);
    expect(threadsInB()).toBe(threadsBefore);
    expect(await serverASnapshot(harness, a.thread.id)).toEqual(before);
  });

  it('gets nothing from buttons carrying A\'s ids, or result buttons on a bot message that is no result', async () => {
    const a = await serverAConversation(harness);
    const b = await malloryImageInB(harness);
    const mallory = harness.discord.users.mallory;
    // A bot message in B that belongs to no conversation.
    const hint = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: mallory, channelId: harness.discord.secondGuildChannelId, content: '', mentionBot: true }));
    const before = await serverASnapshot(harness, a.thread.id);
    const requestsBefore = geminiRequestCount(harness);

    const forgedIds = [`nb1:edit-modal:${a.first.id}`, `nb1:compose-modal:${harness.discord.channelId}:${a.first.id}`];
    for (const customId of forgedIds) {
      const { interactionId } = harness.discord.clickButton({ user: mallory, message: b, customId });
      expect(await privateRefusal(harness, interactionId)).toMatch(/no longer works/);
    }
    for (const action of ['reroll', 'upscale-2k', 'upscale-4k', 'branch', 'delete']) {
      const { interactionId } = harness.discord.clickButton({ user: mallory, message: hint, customId: `nb1:result:${action}` });
      const record = await harness.discord.waitForInteractionResponse(interactionId);
      const reply = await harness.discord.waitForMessage((message) => message.id === record.originalMessageId && message.content !== '');
      expect(record.ackFlags).toBe(64);
      expect(reply.content).toBe('This image is no longer part of a conversation I can continue. Start a new one with /imagine.');
    }
    const { interactionId } = harness.discord.clickButton({ user: mallory, message: hint, customId: 'nb1:result:edit' });
    expect((await harness.discord.waitForInteractionResponse(interactionId)).ackType).toBe(9); // a form for a message that has no conversation…
    const submitted = harness.discord.submitModal({ user: mallory, interactionId, values: { instruction: 'go on' } });
    const reply = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(submitted.interactionId).originalMessageId && message.content !== '');
    expect(reply.content).toMatch(/no longer part of a conversation/); // …finds none

    expect(geminiRequestCount(harness)).toBe(requestsBefore);
    expect(await serverASnapshot(harness, a.thread.id)).toEqual(before);
  });

  it('leaves A\'s conversation exactly as it was for A\'s own members', async () => {
    const a = await serverAConversation(harness);
    const b = await malloryImageInB(harness);
    const mallory = harness.discord.users.mallory;
    const opener = harness.discord.clickButton({ user: mallory, message: b, customId: 'nb1:result:edit' });
    await privateRefusal(harness, (await submitTampered(harness, opener, mallory, `nb1:edit-modal:${a.second.id}`)).interactionId);

    const next = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: a.thread.id, content: 'add a hat', replyTo: a.second.id }));
    expect(next.attachments).toHaveLength(1);
    const call = geminiCalls(harness).at(-1)!;
    expect(call.status).toBe(200);
    expect(call.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(call.seen.filter((turn) => turn.role === 'user').flatMap((turn) => turn.texts)).toEqual([...SECRET_PROMPTS, 'add a hat']);
    const inThread = harness.discord.messages(a.thread.id).filter((message) => isBotMessage(harness, message));
    expect(inThread.some((message) => message.content.includes(mallory.id))).toBe(false);
  });
});

describe('a member of the same server naming what they did not pick', () => {
  it('cannot swap another channel\'s or another message\'s id into an "Edit with Gemini" form', async () => {
    const bob = harness.discord.users.bob;
    const hidden = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'private sketch', attachments: [harness.discord.addAttachment(pngBytes(7), { filename: 'sketch.png' })] });
    const own = harness.discord.sendMessage({
      user: bob,
      channelId: harness.discord.otherChannelId,
      content: 'my cat',
      attachments: [harness.discord.addAttachment(pngBytes(3), { filename: 'cat.png', channelId: harness.discord.otherChannelId })],
    });
    const opener = harness.discord.sendMessageCommand({ user: bob, name: 'Edit with Gemini', message: own });
    const signed = (await harness.discord.waitForInteractionResponse(opener.interactionId)).modal!.custom_id;
    for (const tampered of [
      signed.replace(`:${harness.discord.otherChannelId}:${own.id}:`, `:${harness.discord.channelId}:${hidden.id}:`),
      signed.replace(`:${own.id}:`, `:${hidden.id}:`),
    ]) {
      expect(tampered).not.toBe(signed);
      const forged = await submitTampered(harness, opener, bob, tampered);
      expect(await privateRefusal(harness, forged.interactionId)).toMatch(/^That form does not belong to this place/);
    }
    expect(geminiRequestCount(harness)).toBe(0);

    // The form as it was given works, in a thread as in a channel.
    const { message: starter } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, starter.id);
    const inThread = await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    const menu = harness.discord.sendMessageCommand({ user: bob, name: 'Edit with Gemini', message: inThread });
    await harness.discord.waitForInteractionResponse(menu.interactionId);
    const submitted = harness.discord.submitModal({ user: bob, interactionId: menu.interactionId, values: { instruction: 'add a hat' } });
    const result = await harness.discord.waitForMessage(
      (message) => isBotMessage(harness, message) && message.id === harness.discord.interaction(submitted.interactionId).originalMessageId && message.attachments.length > 0,
    );
    expect(result.channel_id).toBe(thread.id);
    expect(geminiCalls(harness).at(-1)!.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
  });
});

describe('members the server\'s settings leave out', () => {
  it('are refused privately by every button and form, and nothing changes', async () => {
    const a = await serverAConversation(harness);
    const bob = harness.discord.users.bob;
    // Forms bob opened while he still could use the bot here.
    const editOpener = harness.discord.clickButton({ user: bob, message: a.second, customId: 'nb1:result:edit' });
    await harness.discord.waitForInteractionResponse(editOpener.interactionId);
    const photo = harness.discord.sendMessage({ user: bob, content: 'my cat', attachments: [harness.discord.addAttachment(pngBytes(3), { filename: 'cat.png' })] });
    const composeOpener = harness.discord.sendMessageCommand({ user: bob, name: 'Edit with Gemini', message: photo });
    await harness.discord.waitForInteractionResponse(composeOpener.interactionId);

    const artists = harness.discord.createRole({ name: 'Artists' });
    await privateReply(harness, harness.discord.users.alice, 'settings', 'role', [{ name: 'role', type: 8, value: artists.id }]);
    const before = await serverASnapshot(harness, a.thread.id);
    const requestsBefore = geminiRequestCount(harness);
    const refusal = 'On this server only members with the Artists role can use me.';

    for (const action of ['reroll', 'edit', 'upscale-2k', 'upscale-4k', 'branch']) {
      const { interactionId } = harness.discord.clickButton({ user: bob, message: a.second, customId: `nb1:result:${action}` });
      expect(await privateRefusal(harness, interactionId)).toBe(refusal);
    }
    const edit = harness.discord.submitModal({ user: bob, interactionId: editOpener.interactionId, values: { instruction: 'make it red' } });
    expect(await privateRefusal(harness, edit.interactionId)).toBe(refusal);
    const compose = harness.discord.submitModal({ user: bob, interactionId: composeOpener.interactionId, values: { instruction: 'make it red' } });
    expect(await privateRefusal(harness, compose.interactionId)).toBe(refusal);
    const menu = harness.discord.sendMessageCommand({ user: bob, name: 'Edit with Gemini', message: photo });
    expect(await privateRefusal(harness, menu.interactionId)).toBe(refusal);

    // Outside the allowed channels, even the role is not enough.
    harness.discord.setMemberRoles(bob, [artists.id]);
    await privateReply(harness, harness.discord.users.alice, 'settings', 'channels', [
      { name: 'action', type: 3, value: 'add' },
      { name: 'channel', type: 7, value: harness.discord.otherChannelId },
    ]);
    const elsewhere = `On this server I only work in <#${harness.discord.otherChannelId}>.`;
    for (const action of ['reroll', 'edit', 'upscale-2k', 'upscale-4k', 'branch']) {
      const { interactionId } = harness.discord.clickButton({ user: bob, message: a.second, customId: `nb1:result:${action}` });
      expect(await privateRefusal(harness, interactionId)).toBe(elsewhere);
    }
    const menuElsewhere = harness.discord.sendMessageCommand({ user: bob, name: 'Edit with Gemini', message: photo });
    expect(await privateRefusal(harness, menuElsewhere.interactionId)).toBe(elsewhere);
    for (const opener of [editOpener, composeOpener]) {
      const again = harness.discord.submitModal({ user: bob, interactionId: opener.interactionId, values: { instruction: 'make it red' } });
      expect(await privateRefusal(harness, again.interactionId)).toBe(elsewhere);
    }

    expect(geminiRequestCount(harness)).toBe(requestsBefore);
    expect(await serverASnapshot(harness, a.thread.id)).toEqual(before);
  });
});
