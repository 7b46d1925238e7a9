import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { imagine, pngBytes, waitForBotReplyTo, waitForThread } from './helpers.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what the bot sent Gemini is read on both APIs' records.

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Everything the bot wrote anywhere a person or a log collector could read it. */
function everythingTheBotSaid(h: Harness): string {
  const discordPayloads = h.discord.requests.map((request) => JSON.stringify({ path: request.path, query: request.query, json: request.json }));
  const messages = [h.discord.channelId, ...h.discord.threads().map((thread) => thread.id)].flatMap((id) => h.discord.messages(id).map((m) => m.content));
  const geminiUrls = [...h.gemini.requests, ...h.gemini.interactions.requests].map((request) => JSON.stringify(request.body ?? null).slice(0, 10_000));
  return [...h.logLines, ...discordPayloads, ...messages, ...geminiUrls].join('\n');
}

describe('secrets', () => {
  it('never shows the Gemini key or the Discord token in a log line, a Discord message or a request, whatever fails', async () => {
    harness = await startHarness();
    const { discord, gemini } = harness;
    gemini.enqueue(
      { kind: 'error', status: 400, message: 'API key not valid. Please pass a valid API key.' },
      { kind: 'error', status: 403 },
      { kind: 'error', status: 404 },
      { kind: 'error', status: 429, quota: 'day' },
      ...Array.from({ length: 4 }, () => ({ kind: 'error' as const, status: 503 as const })),
      { kind: 'prompt-blocked', reason: 'SAFETY' },
    );
    for (const prompt of ['bad key', 'forbidden', 'unknown model', 'quota', 'unavailable', 'blocked']) {
      await imagine(harness, { prompt });
    }
    const { message } = await imagine(harness, { prompt: 'a fox' });
    const thread = await waitForThread(harness, message.id);
    const notAnImage = discord.addAttachment(Buffer.from('plain text'), { filename: 'x.png' });
    await waitForBotReplyTo(harness, discord.sendMessage({ user: discord.users.bob, channelId: thread.id, content: 'use it', attachments: [notAnImage], replyTo: message.id }));
    const good = discord.addAttachment(pngBytes(1), { filename: 'ok.png' });
    await waitForBotReplyTo(harness, discord.sendMessage({ user: discord.users.bob, channelId: thread.id, content: 'use it', attachments: [good], mentionBot: true }));
    // A timeout last, by a bot restarted with a short GEMINI_TIMEOUT_SECONDS: the calls above had the usual time, however slow the machine.
    harness.config.geminiTimeoutMs = 300;
    await harness.restart();
    gemini.enqueue({ kind: 'hang' });
    expect((await imagine(harness, { prompt: 'timeout' })).message.content).toMatch(/took too long/);

    const said = everythingTheBotSaid(harness);
    expect(said.length).toBeGreaterThan(1000);
    expect(said).not.toContain(gemini.apiKey);
    expect(said).not.toContain(discord.token);
    // The key travels only in its header.
    const toGemini = [...gemini.requests, ...gemini.interactions.requests];
    expect(toGemini.length).toBeGreaterThanOrEqual(12);
    for (const request of toGemini) expect(request.headers['x-goog-api-key']).toBe(gemini.apiKey);
  });

  it('does not leak a wrong key either when Gemini rejects it', async () => {
    harness = await startHarness({ config: { geminiApiKey: 'wrong-gemini-key-that-must-stay-secret' } });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.content).toMatch(/server admin should check the bot's log/);
    expect(everythingTheBotSaid(harness)).not.toContain('wrong-gemini-key-that-must-stay-secret');
  });
});
