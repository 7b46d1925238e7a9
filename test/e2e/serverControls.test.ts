import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { heldAnswer } from '../emulators/gemini/index.js';
import { geminiCall, geminiCalls, imageOptionsOf } from './geminiCalls.js';
import { imagine, isBotMessage, isProgressNote, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
const harness = useHarness({ env: { MAX_REQUESTS_PER_USER: '10' } });

/** /imagine as `user` in `channelId`; resolves with the bot's final reply (public) or private notice. */
async function imagineAs(user: 'alice' | 'bob' | 'carol', prompt: string, channelId?: string) {
  const { interactionId } = harness.discord.sendSlashCommand({
    user: harness.discord.users[user],
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: prompt }],
    ...(channelId ? { channelId } : {}),
  });
  const reply = await harness.discord.waitForMessage(
    (message) => isBotMessage(harness, message) && message.id === harness.discord.interaction(interactionId).originalMessageId && !isProgressNote(message),
  );
  return { reply, private: harness.discord.interaction(interactionId).ackFlags === 64 };
}

describe('server settings enforced', () => {
  it('answers only in the chosen channels, telling members elsewhere where it works', async () => {
    const alice = harness.discord.users.alice;
    await privateReply(harness, alice, 'settings', 'channels', [
      { name: 'action', type: 3, value: 'add' },
      { name: 'channel', type: 7, value: harness.discord.channelId },
    ]);
    const elsewhere = await imagineAs('bob', 'a fox', harness.discord.otherChannelId);
    expect(elsewhere.private).toBe(true);
    expect(elsewhere.reply.content).toBe(`On this server I only work in <#${harness.discord.channelId}>.`);
    const mention = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: harness.discord.otherChannelId, content: 'a cat', mentionBot: true });
    expect((await waitForBotReplyTo(harness, mention)).content).toMatch(/only work in/);
    // A bare mention there gets the same answer, not the hint to say what to draw.
    const bare = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: harness.discord.otherChannelId, content: '', mentionBot: true });
    expect((await waitForBotReplyTo(harness, bare)).content).toBe(`On this server I only work in <#${harness.discord.channelId}>.`);
    expect(geminiCalls(harness)).toHaveLength(0);
    expect((await imagineAs('bob', 'a fox')).reply.attachments).toHaveLength(1);
  });

  it('requires the chosen role, naming it without a ping', async () => {
    const artists = harness.discord.createRole({ name: 'Artists' });
    await privateReply(harness, harness.discord.users.alice, 'settings', 'role', [{ name: 'role', type: 8, value: artists.id }]);
    const refused = await imagineAs('bob', 'a fox');
    expect(refused.private).toBe(true);
    expect(refused.reply.content).toBe('On this server only members with the Artists role can use me.');
    harness.discord.setMemberRoles(harness.discord.users.bob, [artists.id]);
    expect((await imagineAs('bob', 'a fox')).reply.attachments).toHaveLength(1);
    expect(geminiCalls(harness)).toHaveLength(1);
  });

  it('refuses past the daily image limit before calling Gemini, saying when it resets', async () => {
    await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'daily_images', type: 4, value: 1 }]);
    expect((await imagineAs('bob', 'first')).reply.attachments).toHaveLength(1);
    const refused = await imagineAs('bob', 'second');
    expect(refused.reply.content).toMatch(/^You have used your 1 image for today on this server\. The limit resets <t:\d+:R>\.$/);
    expect(geminiCalls(harness)).toHaveLength(1);
    expect((await imagineAs('carol', 'someone else')).reply.attachments).toHaveLength(1); // the limit is per member
  });

  it('never lets a server spend past its monthly budget, even with many requests at once', async () => {
    // The worst case of one 1K image is $0.134 plus 50k input tokens at $2 per million: $0.234. $0.50 allows two at once.
    await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'monthly_budget_usd', type: 10, value: 0.5 }]);
    // Gemini holds the calls until every other request is answered: none finishes early and frees budget for another.
    const calls = [heldAnswer(), heldAnswer()];
    harness.gemini.enqueue(...calls.map((call) => call.behaviour));
    const users = ['alice', 'bob', 'carol', 'alice', 'bob', 'carol', 'alice', 'bob'] as const;
    let answered = 0;
    const asked = users.map((user, index) => imagineAs(user, `burst ${index}`).finally(() => (answered += 1)));
    await vi.waitFor(() => expect(answered).toBe(6), PATIENCE);
    calls.forEach((call) => call.release());
    const results = await Promise.all(asked);
    const made = results.filter((result) => result.reply.attachments.length === 1);
    const refused = results.filter((result) => /monthly image budget/.test(result.reply.content));
    expect(made.length).toBe(2);
    expect(refused.length).toBe(6);
    expect(geminiCalls(harness)).toHaveLength(2);
    // What was recorded stays within the budget.
    const usage = await privateReply(harness, harness.discord.users.alice, 'usage');
    const spent = Number(/\$(\d+\.\d+) of/.exec(usage)?.[1] ?? /\$(\d+\.\d+)/.exec(usage)?.[1]);
    expect(spent).toBeLessThanOrEqual(0.5);
  });

  it('uses the server\'s default model and image options for new conversations', async () => {
    await privateReply(harness, harness.discord.users.alice, 'settings', 'model', [{ name: 'model', type: 3, value: 'gemini-3.1-flash-image' }]);
    await privateReply(harness, harness.discord.users.alice, 'settings', 'image', [{ name: 'aspect_ratio', type: 3, value: '4:3' }]);
    await imagine(harness, { prompt: 'a fox' });
    expect(geminiCall(harness, 0).model).toBe('gemini-3.1-flash-image');
    expect(imageOptionsOf(geminiCall(harness, 0))).toEqual({ aspectRatio: '4:3' });
    await imagine(harness, { prompt: 'a wide fox', aspectRatio: '21:9' });
    expect(geminiCall(harness, 1).model).toBe('gemini-3.1-flash-image');
    expect(imageOptionsOf(geminiCall(harness, 1))).toEqual({ aspectRatio: '21:9' });
  });

  it('records each generation so /usage shows it', async () => {
    await imagineAs('bob', 'a fox');
    await vi.waitFor(async () => expect(await privateReply(harness, harness.discord.users.bob, 'usage')).toMatch(/1 image/), PATIENCE);
  });

  it('makes no images while the server\'s settings record is damaged, rather than drop its limits, until an admin sets them again', async () => {
    await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'monthly_budget_usd', type: 10, value: 5 }]);
    const store = await openStore(harness.config.databaseUrl);
    await store.keyv.set(`guild-settings:${harness.discord.guildId}`, { version: 1, monthlyBudgetUsd: 'lots' });
    await store.close();

    const refused = await imagineAs('bob', 'a fox');
    expect(refused.private).toBe(true);
    expect(refused.reply.content).toMatch(/^I could not read this server's settings, so I am not making images until an admin sets them again with \/settings/);
    expect(geminiCalls(harness)).toHaveLength(0);
    expect(await privateReply(harness, harness.discord.users.alice, 'settings', 'show')).toMatch(/^The stored settings were damaged and could not be read/);

    expect(await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [{ name: 'monthly_budget_usd', type: 10, value: 5 }])).toMatch(
      /\n\nThe earlier settings could not be read, so every other setting is now the default; check them with \/settings show\.$/,
    );
    expect((await imagineAs('bob', 'a fox')).reply.attachments).toHaveLength(1);
    expect(await privateReply(harness, harness.discord.users.alice, 'settings', 'show')).toContain('- Monthly budget: $5.00.');
  });

  it('says a thread cannot go on when the operator withdrew its model, instead of failing at Gemini', async () => {
    await privateReply(harness, harness.discord.users.alice, 'settings', 'model', [{ name: 'model', type: 3, value: 'gemini-3.1-flash-image' }]);
    const { message: starter } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, starter.id);
    expect(geminiCall(harness, 0).model).toBe('gemini-3.1-flash-image');
    // The operator restarts the bot with GEMINI_MODELS=gemini-3-pro-image.
    harness.config.allowedModels = ['gemini-3-pro-image'];
    await harness.restart();
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id });
    expect((await waitForBotReplyTo(harness, ask)).content).toBe(
      'This conversation was made with gemini-3.1-flash-image, which this bot no longer offers, so it cannot go on. Start a new one with /imagine.',
    );
    expect(geminiCalls(harness)).toHaveLength(1);
  });
});
