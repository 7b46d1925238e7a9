import { describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import type { StoredMessage } from '../emulators/discord/index.js';
import { stalledStream } from '../emulators/gemini/index.js';
import { suiteGeminiApi, type Harness } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
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

/** What the bot asked Google to delete (interactions), as [id, status]. */
const interactionDeletes = () => harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE').map((request) => [request.interactionId, request.status]);

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
    // The answer Discord refused is in no record: on interactions it is deleted at Google.
    if (suiteGeminiApi() === 'interactions') expect(interactionDeletes()).toEqual([[geminiCalls(harness)[0]!.interactionId, 200]]);
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
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

describe('a new conversation whose thread Discord refuses, and then the warning about it', () => {
  it('keeps the answer: it is saved, and its interaction is not deleted at Google', async () => {
    // The answer is posted; the thread opened from it and the warning that it could not be are refused.
    const inChannel = new RegExp(`^/channels/${harness.discord.channelId}/messages$`);
    harness.discord.injectFault({ method: 'POST', path: /^\/channels\/\d+\/messages\/\d+\/threads$/, error: { status: 403, code: 50013, message: 'Missing Permissions' } });
    harness.discord.injectFault({
      method: 'POST',
      path: inChannel,
      onHeld: () => harness.discord.injectFault({ method: 'POST', path: inChannel, error: REFUSED }),
    });
    const asked = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'a fox', mentionBot: true });
    const answer = await waitForBotReplyTo(harness, asked);
    expect(answer.attachments).toHaveLength(1);
    await vi.waitFor(() => expect(logged(harness, 'unexpected error while handling a request').map((line) => line['messageId'])).toEqual([asked.id]), PATIENCE);
    expect(logged(harness, 'could not open a thread for a new conversation').map((line) => line['messageId'])).toEqual([answer.id]);
    expect(harness.discord.threads()).toEqual([]);
    // Saved under the answer's id (the thread it would have opened), its interaction kept at Google.
    const store = await openStore(harness.config.databaseUrl);
    try {
      const saved = await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load(answer.id);
      expect(saved.kind === 'found' && saved.record.exchanges.length).toBe(1);
    } finally {
      await store.close();
    }
    const [first] = geminiCalls(harness);
    expect(harness.gemini.interactions.storedIds()).toEqual(suiteGeminiApi() === 'interactions' ? [first!.interactionId] : []);
    expect(interactionDeletes()).toEqual([]);
  });
});
