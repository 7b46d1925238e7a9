// Runs on both GEMINI_APIs (E2E_GEMINI_API): an interaction that fails to be answered must not stop a turn on either.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import { PATIENCE, waitForBotReplyTo } from './helpers.js';

let harness: Harness | undefined;

afterEach(async () => {
  expect(harness?.discord.unexpectedRequests).toEqual([]);
  await harness?.close();
  harness = undefined;
});

describe('interactions the bot does not expect', () => {
  it('answers a command it no longer has, privately and without pinging', async () => {
    harness = await startHarness();
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'retired-command' });
    const reply = await harness.discord.waitForMessage((message) => message.id === harness!.discord.interaction(interactionId).originalMessageId);
    expect(reply.content).toBe('I do not know that command any more.');
    expect(harness.discord.interaction(interactionId).ackFlags).toBe(64);
    const callback = harness.discord.requests.find((request) => request.path.startsWith(`/interactions/${interactionId}/`));
    expect(callback?.json).toMatchObject({ type: 4, data: { allowed_mentions: { parse: [], replied_user: false } } });
  });

  it('keeps running when answering an interaction fails (here: too late), and logs it once', async () => {
    harness = await startHarness({ discord: { interactionAckDeadlineMs: 0 } });
    harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'retired-command' });
    const ask = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'a cat please', mentionBot: true });
    const answer = await waitForBotReplyTo(harness, ask);
    expect(answer.attachments).toHaveLength(1);
    // Nothing orders that failure before the other answer: wait for its line.
    await vi.waitFor(() => expect(harness!.logLines.filter((line) => line.includes('unexpected error') && line.includes('10062'))).toHaveLength(1), PATIENCE);
  });
});
