import { afterEach, describe, expect, it, vi } from 'vitest';
import { heldAnswer } from '../emulators/gemini/index.js';
import { startHarness, type Harness } from './harness.js';
import { geminiCall, geminiCalls, wordsOf } from './geminiCalls.js';
import { isBotMessage, isProgressNote, PATIENCE, pngBytes, startConversation, waitForBotReplyTo } from './helpers.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.

let harness: Harness | undefined;

afterEach(async () => {
  expect(harness?.discord.unexpectedRequests).toEqual([]);
  await harness?.close();
  harness = undefined;
});

function sendImagine(user: 'alice' | 'bob', prompt: string) {
  return harness!.discord.sendSlashCommand({ user: harness!.discord.users[user], name: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }] });
}

/** Every text the interaction's reply showed, in order (progress notes, then the answer). */
function repliesShown(token: string): string[] {
  return harness!.discord.requests
    .filter((request) => request.method === 'PATCH' && request.path.includes(`/${token}/messages/@original`))
    .map((request) => String((request.json as { content?: string }).content ?? ''));
}

function finalReply(interactionId: string) {
  return harness!.discord.waitForMessage(
    (message) => isBotMessage(harness!, message) && message.id === harness!.discord.interaction(interactionId).originalMessageId && !isProgressNote(message),
  );
}

async function geminiHasReceived(count: number) {
  await vi.waitFor(() => expect(geminiCalls(harness!).length).toBe(count), PATIENCE);
}

async function shows(token: string, text: string) {
  await vi.waitFor(() => expect(repliesShown(token)).toContain(text), PATIENCE);
}

/**
 * One Gemini slot: alice's call holds it and bob's /imagine is told it is next.
 * Gemini answers each call only when the test releases it, so the line moves when the test says.
 */
async function secondWaitingForTheSlot(env: Record<string, string>) {
  harness = await startHarness({ env: { GEMINI_CONCURRENCY: '1', ...env } });
  const firstCall = heldAnswer();
  const secondCall = heldAnswer();
  harness.gemini.enqueue(firstCall.behaviour, secondCall.behaviour);
  const first = sendImagine('alice', 'first');
  await geminiHasReceived(1);
  const second = sendImagine('bob', 'second');
  await shows(second.token, 'Waiting for a free slot: you are next.');
  return { first, second, firstCall, secondCall };
}

describe('the fair queue in front of Gemini', () => {
  it('runs GEMINI_CONCURRENCY calls at once and shows the others their place, updating it as the line moves', async () => {
    const { first, second, firstCall, secondCall } = await secondWaitingForTheSlot({});
    const third = sendImagine('alice', 'third');
    await shows(third.token, 'Queued: 1 ahead of you.');
    firstCall.release();
    // The second now holds the slot until the third has been told it is next (edits are coalesced to one per 2 s).
    await shows(third.token, 'Waiting for a free slot: you are next.');
    secondCall.release();

    const answers = await Promise.all([finalReply(first.interactionId), finalReply(second.interactionId), finalReply(third.interactionId)]);
    expect(answers.every((answer) => answer.attachments.length === 1)).toBe(true);
    expect(repliesShown(third.token).slice(0, 2)).toEqual(['Queued: 1 ahead of you.', 'Waiting for a free slot: you are next.']);
    expect(geminiCalls(harness!).map((call) => wordsOf(call.asked))).toEqual([
      'first',
      'second',
      'third',
    ]);
  });

  it('limits how many requests one member has in flight', async () => {
    harness = await startHarness({ env: { MAX_REQUESTS_PER_USER: '1' } });
    const firstCall = heldAnswer();
    harness.gemini.enqueue(firstCall.behaviour);
    const first = sendImagine('alice', 'first');
    await geminiHasReceived(1);
    const second = sendImagine('alice', 'second');
    const refusal = await finalReply(second.interactionId);
    expect(refusal.content).toBe('You already have 1 image in progress. Wait for it to finish, then ask again.');
    firstCall.release();
    expect((await finalReply(first.interactionId)).attachments).toHaveLength(1);
    expect(geminiCalls(harness)).toHaveLength(1);
  });

  it('says it is at capacity when the queue is full, instead of hanging', async () => {
    const { first, second, firstCall, secondCall } = await secondWaitingForTheSlot({ GEMINI_QUEUE_LIMIT: '1' });
    const third = sendImagine('alice', 'third');
    expect((await finalReply(third.interactionId)).content).toMatch(/at capacity/);
    firstCall.release();
    secondCall.release();
    await Promise.all([finalReply(first.interactionId), finalReply(second.interactionId)]);
    expect(geminiCalls(harness!)).toHaveLength(2);
  });

  it('downloads a waiting request\'s attachments only once its Gemini slot is free, so a long queue holds no images', async () => {
    harness = await startHarness({ env: { GEMINI_CONCURRENCY: '1' } });
    const firstCall = heldAnswer();
    harness.gemini.enqueue(firstCall.behaviour);
    const first = sendImagine('alice', 'first');
    await geminiHasReceived(1);
    let downloads = 0;
    const url = harness.discord.serveAt('/attachments/queue/cat.png', (_request, response) => {
      downloads += 1;
      response.end(pngBytes(7));
    });
    const attachment = { ...harness.discord.addAttachment(pngBytes(7), { filename: 'cat.png' }), url, proxy_url: url };
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'use this', attachments: [attachment], mentionBot: true });

    // Told it waits for the slot, while the first call still holds it: nothing downloaded yet.
    await harness.discord.waitForMessage((message) => isBotMessage(harness!, message) && message.message_reference?.message_id === ask.id && isProgressNote(message));
    expect(downloads).toBe(0);
    firstCall.release();
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.attachments).toHaveLength(1);
    expect((await finalReply(first.interactionId)).attachments).toHaveLength(1);
    expect(downloads).toBe(1);
    expect(geminiCall(harness, 1).asked.images).toContain(pngBytes(7).toString('base64'));
  });

  it('refuses a request too large for Gemini at once, without waiting for the slot another turn holds or downloading its file', async () => {
    // About 0.6 MB: a 200 kB image re-sent (base64 ~267 kB) and a 280 kB file (~373 kB) fit one by one, not together.
    harness = await startHarness({ env: { GEMINI_CONCURRENCY: '1', HISTORY_BUDGET_MB: '0.6' } });
    const { bob, carol } = harness.discord.users;
    harness.gemini.enqueue({ kind: 'image', imageBytes: 200_000 }, { kind: 'image', imageBytes: 200_000 });
    const { starter, thread } = await startConversation(harness, { user: bob, prompt: 'a fox' });
    await waitForBotReplyTo(harness, harness.discord.sendMessage({ user: bob, channelId: thread.id, content: 'make it blue', replyTo: starter.id }));
    const held = heldAnswer();
    harness.gemini.enqueue(held.behaviour);
    const first = sendImagine('alice', 'holds the only slot');
    await geminiHasReceived(3);

    let downloads = 0;
    const url = harness.discord.serveAt('/attachments/queue/hat.png', (_request, response) => {
      downloads += 1;
      response.end(Buffer.alloc(280_000));
    });
    const attachment = { ...harness.discord.addAttachment(Buffer.alloc(280_000), { filename: 'hat.png' }), url, proxy_url: url, size: 280_000 };
    // An edit of the first image (not the latest, so it travels with the new turn) with a file: over the budget together.
    const ask = harness.discord.sendMessage({ user: carol, channelId: thread.id, content: 'put this hat on the first fox', replyTo: starter.id, attachments: [attachment] });
    // Answered while alice's call still holds the slot: the plan refused it before the turn joined the line.
    const refusal = await waitForBotReplyTo(harness, ask);
    expect(refusal.content).toBe('This request is too large for Gemini even on its own. Use fewer or smaller reference images.');
    // Never told where it stands in a line it never joined.
    const notesInThread = harness.discord.requests.filter(
      (request) => request.path.includes(`/channels/${thread.id}/messages`) && /^(Queued: |Waiting for a free slot)/.test(String((request.json as { content?: unknown } | undefined)?.content ?? '')),
    );
    expect(notesInThread).toEqual([]);
    expect(downloads).toBe(0);

    held.release();
    expect((await finalReply(first.interactionId)).attachments).toHaveLength(1);
    expect(geminiCalls(harness).map((call) => wordsOf(call.asked))).toEqual(['a fox', 'make it blue', 'holds the only slot']);
  });

  it('tells a request still waiting for its slot at shutdown that the bot is restarting, without counting it as a generation', async () => {
    harness = await startHarness({ env: { GEMINI_CONCURRENCY: '1' } });
    harness.gemini.enqueue({ kind: 'hang' });
    sendImagine('alice', 'first');
    await geminiHasReceived(1);
    const second = sendImagine('bob', 'second');
    await shows(second.token, 'Waiting for a free slot: you are next.');
    await harness.restart(300);
    expect((await finalReply(second.interactionId)).content).toMatch(/The bot is restarting/);
    const generations = harness.logLines.filter((line) => line.includes('"outcome":')).map((line) => JSON.parse(line) as { userId: string });
    expect(generations.map((line) => line.userId)).toEqual([harness.discord.users.alice.id]);
  });
});
