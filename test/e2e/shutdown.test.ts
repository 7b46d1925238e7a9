import { describe, expect, it, vi } from 'vitest';
import { heldAnswer } from '../emulators/gemini/index.js';
import { useHarness } from './useHarness.js';
import { geminiBody, imagine, isBotMessage, modelContentAnswered, PATIENCE, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';

const harness = useHarness();

describe('a restart during a generation', () => {
  it('tells the waiting user the bot is restarting, loses nothing stored, and the thread goes on afterwards', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    harness.gemini.enqueue({ kind: 'hang' });
    const interrupted = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    await vi.waitFor(() => expect(harness.gemini.requests).toHaveLength(2), PATIENCE);

    const started = Date.now();
    await harness.restart(300);
    // An operator's limit, not a guess: orchestrators kill a process 10 s after SIGTERM (Docker's default), and the stop takes 0.3 s of grace plus a few steps.
    expect(Date.now() - started).toBeLessThan(10_000);
    const notice = await waitForBotReplyTo(harness, interrupted);
    expect(notice.content).toMatch(/The bot is restarting/);

    const again = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    const answer = await waitForBotReplyTo(harness, again);
    expect(answer.attachments).toHaveLength(1);
    const body = geminiBody(harness, 2);
    expect(body.contents.map((content) => content.role)).toEqual(['user', 'model', 'user']);
    expect(body.contents[1]).toEqual(modelContentAnswered(harness, 0));
  });

  it('answers an interaction that arrives while stopping instead of leaving it to fail', async () => {
    // Gemini answers the running request only once the late one has been refused: the bot is still stopping then, whatever the machine's speed.
    const slowCall = heldAnswer();
    harness.gemini.enqueue(slowCall.behaviour);
    const slow = harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'slow' }] });
    await vi.waitFor(() => expect(harness.gemini.requests).toHaveLength(1), PATIENCE);
    const stopping = harness.bot.stop(5_000);
    const late = harness.discord.sendSlashCommand({ user: harness.discord.users.bob, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'late' }] });
    const refusal = await harness.discord.waitForMessage((m) => m.id === harness.discord.interaction(late.interactionId).originalMessageId);
    expect(refusal.content).toMatch(/restarting/);
    expect(harness.discord.interaction(late.interactionId).ackFlags).toBe(64);
    slowCall.release();
    await stopping;
    // The request already running was given its grace period and finished normally.
    const finished = harness.discord.messages(harness.discord.channelId).find((m) => m.id === harness.discord.interaction(slow.interactionId).originalMessageId);
    expect(finished && isBotMessage(harness, finished) && finished.attachments.length).toBe(1);
  });

  it('tells a member whose attachment was still downloading, and a member who writes while stopping, that the bot is restarting', async () => {
    const neverServed = harness.discord.serveAt('/attachments/stuck/big.png', () => undefined); // the download never finishes
    const stuck = { ...harness.discord.addAttachment(pngBytes(1), { filename: 'big.png' }), url: neverServed };
    const downloading = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'use this', attachments: [stuck], mentionBot: true });
    await vi.waitFor(() => expect(harness.discord.requests.some((request) => request.path.endsWith('/typing'))).toBe(true), PATIENCE);
    // The grace is the window in which the message below must arrive (the stuck download holds it open to the end): 2 s, not a race on a slow machine.
    const stopping = harness.bot.stop(2_000);
    const during = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'a cat please', mentionBot: true });
    expect((await waitForBotReplyTo(harness, during)).content).toMatch(/restarting/);
    expect((await waitForBotReplyTo(harness, downloading)).content).toMatch(/restarting/);
    await stopping;
    expect(harness.gemini.requests).toHaveLength(0);
  });
});
