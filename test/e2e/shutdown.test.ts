import { describe, expect, it, vi } from 'vitest';
import { heldAnswer, stalledStream } from '../emulators/gemini/index.js';
import { useHarness } from './useHarness.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import { imagine, isBotMessage, PATIENCE, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
const harness = useHarness();

describe('a restart during a generation', () => {
  it('tells the waiting user the bot is restarting, loses nothing stored, and the thread goes on afterwards', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    harness.gemini.enqueue({ kind: 'hang' });
    const interrupted = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(2), PATIENCE);

    const started = Date.now();
    await harness.restart(300);
    // An operator's limit, not a guess: orchestrators kill a process 10 s after SIGTERM (Docker's default), and the stop
    // takes 0.3 s of grace plus a few steps. Timed to its last log line, so the new process's start is not counted.
    const stopped = harness.logLines.map((line) => JSON.parse(line) as { msg: string; time: number }).find((line) => line.msg === 'bot stopped' && line.time >= started);
    expect(stopped!.time - started).toBeLessThan(10_000);
    const notice = await waitForBotReplyTo(harness, interrupted);
    expect(notice.content).toMatch(/The bot is restarting/);

    const again = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    const answer = await waitForBotReplyTo(harness, again);
    expect(answer.attachments).toHaveLength(1);
    const calls = geminiCalls(harness);
    expect(calls.map((call) => call.status)).toEqual([200, 0, 200]); // the interrupted call never answered
    expect(calls[2]!.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
    expect(calls[2]!.seen[1]).toEqual(calls[0]!.answer);
    if (suiteGeminiApi() === 'generate-content') expect(calls[2]!.modelTurnsSent).toEqual([calls[0]!.answerOnWire]);
    // The new process continues from the first image's interaction, read back from the store.
    else expect(calls[2]).toMatchObject({ continuedFrom: calls[0]!.interactionId, sentTurns: 1 });
  });

  it('keeps nothing at Google of a turn a restart cut off mid-answer', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    // The answer has begun (on interactions Google has created, and stores, the interaction) when the restart comes.
    const stalled = stalledStream(2);
    harness.gemini.enqueue(stalled.behaviour);
    const interrupted = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    await stalled.reached;
    await harness.restart(300);
    expect((await waitForBotReplyTo(harness, interrupted)).content).toMatch(/The bot is restarting/);
    stalled.release();
    // Google keeps what the thread's history holds and nothing else: the cut-off turn is deleted there (interactions),
    // never having been stored (generateContent).
    const [first, cut] = geminiCalls(harness);
    expect(cut!.interactionId !== undefined).toBe(suiteGeminiApi() === 'interactions'); // Google had begun (and stored) it
    await vi.waitFor(() => expect(harness.gemini.interactions.storedIds()).toEqual(first!.interactionId ? [first!.interactionId] : []), PATIENCE);
  });

  it('answers an interaction that arrives while stopping instead of leaving it to fail', async () => {
    // Gemini answers the running request only once the late one has been refused: the bot is still stopping then, whatever the machine's speed.
    const slowCall = heldAnswer();
    harness.gemini.enqueue(slowCall.behaviour);
    const slow = harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'slow' }] });
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(1), PATIENCE);
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
    expect(geminiCalls(harness)).toHaveLength(0);
  });
});
