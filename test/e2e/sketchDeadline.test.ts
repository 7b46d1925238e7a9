// generateContent only (vitest.config.ts): the deadline is Discord's and the transports' sketches reach it the same way (previews.test.ts).
import { describe, expect, it, vi } from 'vitest';
import type { StoredMessage } from '../emulators/discord/index.js';
import { heldAnswer, stalledStream } from '../emulators/gemini/index.js';
import type { Harness } from './harness.js';
import { geminiCalls } from './geminiCalls.js';
import { isBotMessage, PATIENCE, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

/*
 * A sketch must not outlive the reply's token: Discord takes edits with an
 * interaction's token for 15 minutes from the interaction's creation, which
 * its id records. The bot shows sketches until 13.5 minutes, then puts a
 * notice saying where the result will go in the sketch's place, and stops
 * using the token at 14.5. The Discord emulator dates an interaction
 * `createdAgoMs` before it delivers it, so a test starts a request that
 * close to those ends instead of waiting for them; it waits only on what the
 * bot does, and on the real seconds left before the cutoff (SECONDS_BEFORE).
 */
const MINUTE = 60_000;
/** The contract (src/discord/progressDeadline.ts, interactionDelivery.ts): sketches until 13.5 min, the token relied on until 14.5, Discord's 15. */
const SKETCH_CUTOFF_MS = 13.5 * MINUTE;
const BOT_TOKEN_MARGIN_MS = 14.5 * MINUTE;
const TOKEN_LIFETIME_MS = 15 * MINUTE;
/**
 * How long before the cutoff a request starts: room for the deferral, the call
 * and the sketch's upload on a loaded machine, and what the test waits for the
 * notice. Too short a margin fails the test (no sketch), never passes it wrongly.
 */
const SECONDS_BEFORE = 5_000;

/** Gemini's stream stops after the thought summary (two chunks) and the first sketch, until the test releases it. */
const AFTER_FIRST_SKETCH = 3;
const SKETCH = /^Sketch (\d+), still drawing…/;
const CHANNEL_NOTICE = 'Still working on it. The reply window of this request is closing, so the result will be posted in this channel.';
const THREAD_NOTICE = 'Still working on it. The result will be posted in the thread.';

function imagineCreatedAgo(harness: Harness, createdAgoMs: number) {
  const { interactionId } = harness.discord.sendSlashCommand({
    user: harness.discord.users.alice,
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: 'a fox in the snow' }],
    createdAgoMs,
  });
  return { interactionId, isReply: (message: StoredMessage) => message.id === harness.discord.interaction(interactionId).originalMessageId };
}

/** Every call the bot made with this interaction's token on its reply (the edits, those Discord refused too): text and files. */
function replyEdits(harness: Harness, interactionId: string): Array<{ content: string; files: string[]; status: number }> {
  const { token } = harness.discord.interaction(interactionId);
  return harness.discord.requests
    .filter((request) => request.method === 'PATCH' && request.path.includes(`/${token}/messages/`))
    .map((request) => ({ content: String((request.json as { content?: string }).content ?? ''), files: request.files.map((file) => file.filename), status: request.status }));
}

/** Calls with the token other than its acknowledgement: what the bot tried after deferring. */
function tokenCallsAfterAck(harness: Harness, interactionId: string) {
  const { token } = harness.discord.interaction(interactionId);
  return harness.discord.requests.filter((request) => request.path.includes(`/${token}`) && !request.path.endsWith('/callback'));
}

/** Resolves once `count` turns have ended: delivered, stored, and their last edit of a reply made or given up (the bot's closing debug line). */
async function turnsEnded(harness: Harness, count: number): Promise<void> {
  await vi.waitFor(() => expect(harness.logLines.filter((line) => line.includes('"msg":"turn steps timed"')).length).toBeGreaterThanOrEqual(count), PATIENCE);
}

function expectTheResult(harness: Harness, message: StoredMessage) {
  expect(message.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg']);
  expect(harness.gemini.imageInfo(harness.discord.attachmentBytes(message.attachments[0]!))?.interim).toBeUndefined();
  expect(message.components?.length).toBeGreaterThan(0); // the result's buttons
  expect(message.mentions).toEqual([]);
}

describe('sketches near the end of the reply window', () => {
  const harness = useHarness();

  it('shows the sketch until the cutoff, then the notice in its place; the result, after the token died, is posted in the channel as the notice said', async () => {
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', text: 'A late fox.', thoughtImages: 2 });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = imagineCreatedAgo(harness, SKETCH_CUTOFF_MS - SECONDS_BEFORE);
    const sketch = await harness.discord.waitForMessage((message) => turn.isReply(message) && SKETCH.test(message.content));
    expect(sketch.attachments.map((attachment) => attachment.filename)).toEqual(['sketch-1.jpg']);
    const notice = await harness.discord.waitForMessage((message) => turn.isReply(message) && message.content === CHANNEL_NOTICE, SECONDS_BEFORE + 20_000);
    expect(notice.attachments).toEqual([]); // the sketch is gone with its caption
    // Discord's clock reaches the token's end before Gemini's answer does: the reply can no longer be edited.
    harness.discord.advanceClock(TOKEN_LIFETIME_MS - SKETCH_CUTOFF_MS);
    stalled.release();
    const result = await harness.discord.waitForMessage(
      (message) => isBotMessage(harness, message) && message.channel_id === harness.discord.channelId && message.attachments.length > 0 && !turn.isReply(message),
    );
    expectTheResult(harness, result);
    expect(result.content).toMatch(/^A late fox\./);
    expect(result.content).toContain(`For <@${harness.discord.users.alice.id}>: the reply window of the request had closed, so the result is here.`);
    await waitForThread(harness, result.id); // the conversation goes on from the result
    // The reply still says where to look, and no sketch came after the notice (the second one arrived past the cutoff).
    const reply = harness.discord.messages(harness.discord.channelId).find(turn.isReply);
    expect(reply).toMatchObject({ content: CHANNEL_NOTICE, attachments: [] });
    const edits = replyEdits(harness, turn.interactionId);
    expect(edits.map((edit) => [edit.files, edit.status])).toEqual([
      [['sketch-1.jpg'], 200],
      [[], 200], // the notice
      [['image-1.jpg'], 401], // the result, tried while the bot's clock allowed, refused by Discord, then posted in the channel
    ]);
  });

  it("takes a button's sketch down at the cutoff with the notice that the result goes to the thread, where it arrives; 'Done' then takes the notice's place", async () => {
    const first = imagineCreatedAgo(harness, 0);
    const image = await harness.discord.waitForMessage((message) => first.isReply(message) && message.attachments.length > 0 && !SKETCH.test(message.content));
    const thread = await waitForThread(harness, image.id);
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', thoughtImages: 2 });
    harness.gemini.enqueue(stalled.behaviour);
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: image, customId: 'nb1:result:reroll', createdAgoMs: SKETCH_CUTOFF_MS - SECONDS_BEFORE });
    const isPrivateReply = (message: StoredMessage) => message.id === harness.discord.interaction(interactionId).originalMessageId;
    const sketch = await harness.discord.waitForMessage((message) => isPrivateReply(message) && SKETCH.test(message.content));
    expect(sketch.attachments.map((attachment) => attachment.filename)).toEqual(['sketch-1.jpg']);
    const notice = await harness.discord.waitForMessage((message) => isPrivateReply(message) && message.content === THREAD_NOTICE, SECONDS_BEFORE + 20_000);
    expect(notice.attachments).toEqual([]);
    stalled.release();
    const done = await harness.discord.waitForMessage((message) => isPrivateReply(message) && message.content.startsWith('Done: '));
    expect(done.attachments).toEqual([]);
    const results = harness.discord.messages(thread.id).filter((message) => isBotMessage(harness, message) && message.attachments.length > 0);
    expect(results).toHaveLength(1);
    expectTheResult(harness, results[0]!);
    expect(replyEdits(harness, interactionId).map((edit) => edit.files)).toEqual([['sketch-1.jpg'], [], []]); // sketch, notice, 'Done'
  });

  it('shows no sketch for a request that reaches Gemini past the cutoff, but where the result will go; the answer still comes in the reply while the token lasts', async () => {
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', text: 'A fox, unsketched.', thoughtImages: 2 });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = imagineCreatedAgo(harness, SKETCH_CUTOFF_MS + SECONDS_BEFORE);
    // The first sketch is sent and the bot, idle until now, would show it at once; the rest follows.
    await stalled.reached;
    stalled.release();
    const answer = await harness.discord.waitForMessage((message) => turn.isReply(message) && message.attachments.length > 0 && !SKETCH.test(message.content));
    expectTheResult(harness, answer);
    expect(answer.content).toMatch(/^A fox, unsketched\./);
    expect(replyEdits(harness, turn.interactionId).map((edit) => [edit.content.split('\n')[0], edit.files])).toEqual([
      [CHANNEL_NOTICE, []], // in the first sketch's place
      ['A fox, unsketched.', ['image-1.jpg']],
    ]);
  });

  it("past the bot's margin, posts the result in the channel without trying the token; nothing is lost", async () => {
    harness.gemini.enqueue({ kind: 'image', text: 'A very late fox.', thoughtImages: 2 });
    const turn = imagineCreatedAgo(harness, BOT_TOKEN_MARGIN_MS + SECONDS_BEFORE);
    const result = await harness.discord.waitForMessage((message) => isBotMessage(harness, message) && message.attachments.length > 0);
    expect(turn.isReply(result)).toBe(false);
    expect(result.channel_id).toBe(harness.discord.channelId);
    expectTheResult(harness, result);
    expect(result.content).toMatch(/^A very late fox\./);
    expect(result.content).toContain(`For <@${harness.discord.users.alice.id}>: the reply window of the request had closed, so the result is here.`);
    await waitForThread(harness, result.id);
    await turnsEnded(harness, 1);
    expect(tokenCallsAfterAck(harness, turn.interactionId)).toEqual([]);
  });

  it("past the bot's margin, posts a button's result in the thread and leaves the private reply alone", async () => {
    const first = imagineCreatedAgo(harness, 0);
    const image = await harness.discord.waitForMessage((message) => first.isReply(message) && message.attachments.length > 0 && !SKETCH.test(message.content));
    const thread = await waitForThread(harness, image.id);
    harness.gemini.enqueue({ kind: 'image', thoughtImages: 2 });
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: image, customId: 'nb1:result:reroll', createdAgoMs: BOT_TOKEN_MARGIN_MS + SECONDS_BEFORE });
    const result = await harness.discord.waitForMessage((message) => message.channel_id === thread.id && isBotMessage(harness, message) && message.attachments.length > 0);
    expectTheResult(harness, result);
    await turnsEnded(harness, 2);
    expect(tokenCallsAfterAck(harness, interactionId)).toEqual([]);
  });
});

describe('a request still queued near the end of the reply window', () => {
  const harness = useHarness({ env: { GEMINI_CONCURRENCY: '1' } });

  it('replaces "you are next" with where the result will go at the cutoff; the answer then takes the reply', async () => {
    const first = heldAnswer();
    harness.gemini.enqueue(first.behaviour, { kind: 'image', text: 'A queued fox.' });
    imagineCreatedAgo(harness, 0);
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(1), PATIENCE);
    const turn = imagineCreatedAgo(harness, SKETCH_CUTOFF_MS - SECONDS_BEFORE);
    await harness.discord.waitForMessage((message) => turn.isReply(message) && message.content === 'Waiting for a free slot: you are next.');
    await harness.discord.waitForMessage((message) => turn.isReply(message) && message.content === CHANNEL_NOTICE, SECONDS_BEFORE + 20_000);
    first.release();
    const answer = await harness.discord.waitForMessage((message) => turn.isReply(message) && message.attachments.length > 0);
    expectTheResult(harness, answer);
    expect(replyEdits(harness, turn.interactionId).map((edit) => edit.content.split('\n')[0])).toEqual([
      'Waiting for a free slot: you are next.',
      CHANNEL_NOTICE,
      'A queued fox.',
    ]);
  });

  it("replaces a button's bare 'thinking…' at the cutoff while its turn waits for the thread's line; the result then lands in the thread", async () => {
    const first = imagineCreatedAgo(harness, 0);
    const image = await harness.discord.waitForMessage((message) => first.isReply(message) && message.attachments.length > 0);
    const thread = await waitForThread(harness, image.id);
    // Alice's reply in the thread holds its line while Gemini holds her answer.
    const held = heldAnswer();
    harness.gemini.enqueue(held.behaviour, { kind: 'image' });
    harness.discord.sendMessage({ user: harness.discord.users.alice, channelId: thread.id, content: 'add a hat', replyTo: image.id });
    await vi.waitFor(() => expect(geminiCalls(harness)).toHaveLength(2), PATIENCE);
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: image, customId: 'nb1:result:reroll', createdAgoMs: SKETCH_CUTOFF_MS - SECONDS_BEFORE });
    const isPrivateReply = (message: StoredMessage) => message.id === harness.discord.interaction(interactionId).originalMessageId;
    await harness.discord.waitForMessage((message) => isPrivateReply(message) && message.content === THREAD_NOTICE, SECONDS_BEFORE + 20_000);
    held.release();
    await harness.discord.waitForMessage((message) => isPrivateReply(message) && message.content.startsWith('Done: '));
    expect(replyEdits(harness, interactionId).map((edit) => edit.content.split('\n')[0]?.replace(/https:\S+/, 'url'))).toEqual([THREAD_NOTICE, 'Done: url']);
  });
});
