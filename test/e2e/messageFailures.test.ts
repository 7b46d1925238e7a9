import { describe, expect, it, vi } from 'vitest';
import type { StoredMessage } from '../emulators/discord/index.js';
import { stalledStream } from '../emulators/gemini/index.js';
import { suiteGeminiApi, type Harness } from './harness.js';
import { isBotMessage, PATIENCE, waitForBotReplyTo } from './helpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API). handleMessage is the one place a message's unexpected failure is told.
const harness = useHarness();

const FAILED = /^Something went wrong on my side \(reference [0-9a-f]{8}\)\. Please try again\.$/;
const SKETCH = /^Sketch (\d+), still drawing…/;
/** Chunks up to the first sketch (thought text, then the sketch; on interactions the step's start and end too). */
const AFTER_FIRST_SKETCH = suiteGeminiApi() === 'interactions' ? 5 : 3;
const REFUSED = { status: 400, code: 50035, message: 'Invalid Form Body' };

/** The log lines (parsed) whose message is `msg`. */
function logged(harness: Harness, msg: string): Array<Record<string, unknown>> {
  return harness.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === msg);
}

/** alice mentions the bot in the channel; the bot's status reply shows Gemini's first sketch, Gemini then waits. */
async function askAndSketch(harness: Harness) {
  const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', thoughtImages: 1 });
  harness.gemini.enqueue(stalled.behaviour);
  const asked = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'a fox', mentionBot: true });
  const repliesTo = (message: StoredMessage) => isBotMessage(harness, message) && message.message_reference?.message_id === asked.id;
  const sketch = await harness.discord.waitForMessage((message) => repliesTo(message) && SKETCH.test(message.content));
  return { asked, repliesTo, sketch, release: stalled.release };
}

describe('a message whose request fails unexpectedly', () => {
  it('is told in a reply when the failure comes before any turn (Discord refusing the hint), once', async () => {
    harness.discord.injectFault({ method: 'POST', path: new RegExp(`^/channels/${harness.discord.channelId}/messages$`), error: REFUSED });
    const asked = harness.discord.sendMessage({ user: harness.discord.users.alice, content: '', mentionBot: true });
    const told = await waitForBotReplyTo(harness, asked);
    expect(told.content).toMatch(FAILED);
    expect(logged(harness, 'unexpected error while handling a request').map((line) => line['messageId'])).toEqual([asked.id]);
    expect(harness.discord.messages(harness.discord.channelId).filter((message) => isBotMessage(harness, message))).toHaveLength(1);
  });

  it('is told in a reply of its own when Discord refuses both the answer and the sentence in place of the sketch', async () => {
    const { asked, repliesTo, sketch, release } = await askAndSketch(harness);
    harness.discord.injectFault({ method: 'PATCH', path: new RegExp(`/messages/${sketch.id}$`), error: REFUSED, times: 2 });
    release();
    const told = await harness.discord.waitForMessage((message) => repliesTo(message) && message.id !== sketch.id);
    expect(told.content).toMatch(FAILED);
    expect(harness.discord.messages(harness.discord.channelId).find((message) => message.id === sketch.id)?.content).toMatch(SKETCH);
    expect(logged(harness, 'could not explain a failure in the status reply; replying instead').map((line) => line['messageId'])).toEqual([asked.id]);
    expect(harness.discord.threads()).toEqual([]);
  });

  it('when Discord refuses that reply too, is logged as not told, and the bot answers the next message', async () => {
    const { asked, sketch, release } = await askAndSketch(harness);
    harness.discord.injectFault({ method: 'PATCH', path: new RegExp(`/messages/${sketch.id}$`), error: REFUSED, times: 2 });
    harness.discord.injectFault({ method: 'POST', path: new RegExp(`^/channels/${harness.discord.channelId}/messages$`), error: REFUSED });
    release();
    await vi.waitFor(() => expect(logged(harness, 'could not tell the member that the request failed').map((line) => line['messageId'])).toEqual([asked.id]), PATIENCE);
    expect(logged(harness, 'unexpected error while handling a request').map((line) => line['messageId'])).toEqual([asked.id]);
    const next = harness.discord.sendMessage({ user: harness.discord.users.bob, content: 'a cat', mentionBot: true });
    const answer = await waitForBotReplyTo(harness, next);
    expect(answer.attachments).toHaveLength(1);
  });
});
