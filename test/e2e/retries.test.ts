// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
import { describe, expect, it, vi } from 'vitest';
import type { Harness } from './harness.js';
import { useHarness } from './useHarness.js';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { imagine, isBotMessage, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';

/** Every text the bot showed in the interaction's reply, progress notes included, in order. */
function originalReplyTexts(harness: Harness): string[] {
  return harness.discord.requests
    .filter((request) => request.method === 'PATCH' && request.path.endsWith('/messages/@original'))
    .map((request) => String((request.json as { content?: string }).content ?? ''));
}

describe('retrying Gemini', () => {
  const harness = useHarness();

  it('waits exactly as long as RetryInfo says after a 429, and tells the user', async () => {
    harness.gemini.enqueue({ kind: 'error', status: 429, retryDelay: '1.2s' });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(1);
    const [first, second] = geminiCalls(harness);
    expect([first?.status, second?.status]).toEqual([429, 200]);
    // A lower bound from Gemini's RetryInfo: a slow machine only waits longer, so this cannot flake.
    expect(second!.receivedAt.getTime() - first!.receivedAt.getTime()).toBeGreaterThanOrEqual(1_200);
    expect(originalReplyTexts(harness)).toContain('Gemini is busy, retrying in 1 s…');
  });

  it('backs off and retries a 429 without RetryInfo', async () => {
    harness.gemini.enqueue({ kind: 'error', status: 429 }, { kind: 'error', status: 429 });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(1);
    expect(geminiCalls(harness).map((call) => call.status)).toEqual([429, 429, 200]);
  });

  it('does not retry an exhausted daily quota, and says so', async () => {
    harness.gemini.enqueue({ kind: 'error', status: 429, quota: 'day', retryDelay: '30s' });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(geminiCalls(harness)).toHaveLength(1);
    expect(message.content).toMatch(/used up today's Gemini quota/);
  });

  it.each([500, 503] as const)('retries a %i at least twice before succeeding', async (status) => {
    harness.gemini.enqueue({ kind: 'error', status }, { kind: 'error', status });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(1);
    expect(geminiCalls(harness).map((call) => call.status)).toEqual([status, status, 200]);
  });

  it('retries a dropped connection', async () => {
    harness.gemini.enqueue({ kind: 'reset' });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(1);
    expect(geminiCalls(harness)).toHaveLength(2);
  });

  it.each([
    [400, 'API key not valid. Please pass a valid API key.', /server admin should check the bot's log/, /GEMINI_API_KEY/],
    [400, 'Request contains an invalid argument.', /could not process this request.*start a new image/, /rejected the request as invalid/],
    [403, undefined, /server admin should check the bot's log/, /API key is invalid/],
    [404, undefined, /server admin should check the bot's log/, /does not exist for this API version/],
  ] as const)('does not retry a %i (%s), tells the user plainly and logs what an admin must fix', async (status, message, userText, hint) => {
    harness.gemini.enqueue({ kind: 'error', status, ...(message ? { message } : {}) });
    const { message: reply } = await imagine(harness, { prompt: 'a fox' });
    expect(geminiCalls(harness)).toHaveLength(1);
    expect(reply.content).toMatch(userText);
    // Logged once the answer is posted (runTurn's bookkeeping): waited for, not expected at once.
    await vi.waitFor(() => expect(harness.logLines.find((line) => line.includes('generation failed'))).toMatch(hint), PATIENCE);
  });

  it('in a thread, shows the wait as one reply that the answer then replaces, and that answer can be edited further', async () => {
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    harness.gemini.enqueue({ kind: 'error', status: 503 });
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: message.id });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.attachments).toHaveLength(1);
    const botMessagesInThread = harness.discord.messages(thread.id).filter((m) => isBotMessage(harness, m));
    expect(botMessagesInThread.map((m) => m.id)).toEqual([answer.id]);
    const edits = harness.discord.requests.filter((request) => request.method === 'PATCH' && request.path === `/channels/${thread.id}/messages/${answer.id}`);
    expect(edits).toHaveLength(1);
    const status = harness.discord.requests.find((request) => request.method === 'POST' && request.path === `/channels/${thread.id}/messages`);
    expect((status?.json as { content?: string }).content).toMatch(/^Gemini is busy, retrying in \d+ s…$/);

    const next = harness.discord.sendMessage({ user: harness.discord.users.alice, channelId: thread.id, content: 'and a hat', replyTo: answer.id });
    await waitForBotReplyTo(harness, next);
    expect(geminiCall(harness, 3).seen).toHaveLength(5); // the edited-in answer is the latest turn: no image re-sent
    expect(geminiCall(harness, 3).asked).toEqual({ role: 'user', texts: ['and a hat'], images: [] });
  });

});

describe('a Gemini that never answers', () => {
  const harness = useHarness({ env: { GEMINI_TIMEOUT_SECONDS: '0.5' } });

  it('is given up on after GEMINI_TIMEOUT_SECONDS, and the user is told', async () => {
    harness.gemini.enqueue({ kind: 'hang' });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.content).toMatch(/took too long/);
    expect(geminiCalls(harness)).toHaveLength(1);
  });
});
