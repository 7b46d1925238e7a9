// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls; the stream faults are
// scripted on both routes (counted in chunks on streamGenerateContent, in events on the Interactions stream).
// generateContent's thinkingConfig on the wire, and a model that refuses it: generateContentWire.test.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import type { RecordedRequest, StoredMessage } from '../emulators/discord/index.js';
import { stalledStream, type Behaviour } from '../emulators/gemini/index.js';
import { suiteGeminiApi, type Harness } from './harness.js';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { isBotMessage, PATIENCE, waitForBotReplyTo, waitForThread } from './helpers.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

/*
 * Live previews: the member's pending reply shows Gemini's latest sketch
 * while it draws, and the answer replaces it in the same message. The
 * emulator streams each thought, sketch and answer part in a chunk of its
 * own (the thought summary in two pieces cut inside its heading, then the
 * sketches): a stream stalled after 3 chunks has sent the first sketch and
 * waits for the test. The Interactions stream opens with interaction.created
 * and the thought's step.start, then the same summary pieces and sketches as
 * step.delta events: its first sketch is the 5th event.
 */
const AFTER_FIRST_SKETCH = suiteGeminiApi() === 'interactions' ? 5 : 3;

/** On interactions, Google forgets the thread (as past its retention): the next turn replays what the bot kept. */
function googleForgetsTheThread(harness: Harness) {
  if (suiteGeminiApi() === 'interactions') for (const id of harness.gemini.interactions.storedIds()) harness.gemini.interactions.expire(id);
}

/** The last call Gemini answered (on interactions, a replay comes after the continuation refused as unknown). */
function lastAnsweredCall(harness: Harness) {
  const call = geminiCalls(harness).filter((candidate) => candidate.status !== 404).at(-1);
  expect(call?.status).toBe(200);
  return call!;
}

const SKETCH = /^Sketch (\d+), still drawing…/;

/** /imagine as alice; the message is the interaction's reply (the deferred one, edited). */
function dispatchImagine(harness: Harness, prompt: string) {
  const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }] });
  const isReply = (message: StoredMessage) => message.id === harness.discord.interaction(interactionId).originalMessageId;
  return {
    interactionId,
    sketch: () => harness.discord.waitForMessage((message) => isReply(message) && SKETCH.test(message.content)),
    answer: () => harness.discord.waitForMessage((message) => isReply(message) && !SKETCH.test(message.content) && !/^Gemini is busy/.test(message.content)),
  };
}

/** Every edit of an interaction's reply, in order: its text and the files it uploaded. */
function replyEdits(harness: Harness): Array<{ content: string; files: string[] }> {
  return harness.discord.requests
    .filter((request: RecordedRequest) => request.method === 'PATCH' && request.path.endsWith('/messages/@original'))
    .map((request) => ({ content: String((request.json as { content?: string }).content ?? ''), files: request.files.map((file) => file.filename) }));
}

function expectASketch(harness: Harness, message: StoredMessage, number: number) {
  expect(message.content).toBe(`Sketch ${number}, still drawing…\n-# Planning the composition`);
  expect(message.attachments.map((attachment) => attachment.filename)).toEqual([`sketch-${number}.jpg`]);
  const info = harness.gemini.imageInfo(harness.discord.attachmentBytes(message.attachments[0]!));
  expect(info?.interim).toBe(true); // the bytes of Gemini's interim image, checked and posted as they came
  expect(message.components ?? []).toEqual([]); // never buttons
  expect(message.mentions).toEqual([]);
}

function expectTheAnswer(harness: Harness, message: StoredMessage) {
  expect(message.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg']); // the sketch is gone
  expect(harness.gemini.imageInfo(harness.discord.attachmentBytes(message.attachments[0]!))?.interim).toBeUndefined();
  expect(message.components?.length).toBeGreaterThan(0); // the result's buttons
}

describe('live previews', () => {
  const harness = useHarness();

  it("/imagine shows Gemini's sketch in the pending reply, then the answer replaces it in the same message, with nothing after it", async () => {
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', text: 'A fox in the snow.', thoughtImages: 2 });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = dispatchImagine(harness, 'a fox in the snow');
    const sketch = await turn.sketch();
    expectASketch(harness, sketch, 1);
    stalled.release();
    const answer = await turn.answer();
    expect(answer.id).toBe(sketch.id);
    expectTheAnswer(harness, answer);
    await waitForThread(harness, answer.id); // the turn's last step: posted, stored, thread opened
    const edits = replyEdits(harness);
    expect(edits.at(-1)).toMatchObject({ content: expect.stringMatching(/^A fox in the snow\./), files: ['image-1.jpg'] });
    expect(edits.filter((edit) => SKETCH.test(edit.content)).length).toBeGreaterThanOrEqual(1);
    expect(geminiCall(harness, 0)).toMatchObject({ streamed: true, streamEnd: 'complete', askedForDrafts: true, answerDrafts: 2 });
  });

  it('keeps nothing of a sketch but the answer as Gemini sent it: the next turn replays it and Gemini accepts it; only the final image is charged', async () => {
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', thoughtImages: 2 });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = dispatchImagine(harness, 'a fox');
    await turn.sketch();
    stalled.release();
    const answer = await turn.answer();
    const thread = await waitForThread(harness, answer.id);
    googleForgetsTheThread(harness);
    const reply = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: answer.id });
    expect((await waitForBotReplyTo(harness, reply)).attachments).toHaveLength(1);
    // The emulator refuses a replay whose parts differ from what it issued (a dropped or edited part, a sketch taken out).
    expect(lastAnsweredCall(harness).modelTurnsSent[0]).toEqual(geminiCall(harness, 0).answerOnWire);
    // Two generations, one final image each: the sketches are not images the member made.
    await vi.waitFor(async () => expect(await privateReply(harness, harness.discord.users.alice, 'usage')).toMatch(/^You made 1 image today/), PATIENCE);
  });

  it('shows the sketch in the status reply to a thread message, and the answer replaces it: one bot message for the request', async () => {
    const first = dispatchImagine(harness, 'a fox');
    const image = await first.answer();
    const thread = await waitForThread(harness, image.id);
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', thoughtImages: 1 });
    harness.gemini.enqueue(stalled.behaviour);
    const asked = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: image.id });
    const repliesTo = (message: StoredMessage) => isBotMessage(harness, message) && message.message_reference?.message_id === asked.id;
    const sketch = await harness.discord.waitForMessage((message) => repliesTo(message) && SKETCH.test(message.content));
    expectASketch(harness, sketch, 1);
    stalled.release();
    const answer = await waitForBotReplyTo(harness, asked);
    expect(answer.id).toBe(sketch.id);
    expectTheAnswer(harness, answer);
    expect(harness.discord.messages(thread.id).filter(repliesTo)).toHaveLength(1);
  });

  it("shows a button's sketch in the clicker's private reply; the result goes to the thread and 'Done' takes the sketch's place", async () => {
    const image = await dispatchImagine(harness, 'a fox').answer();
    const thread = await waitForThread(harness, image.id);
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', thoughtImages: 1 });
    harness.gemini.enqueue(stalled.behaviour);
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: image, customId: 'nb1:result:reroll' });
    const isPrivateReply = (message: StoredMessage) => message.id === harness.discord.interaction(interactionId).originalMessageId;
    const sketch = await harness.discord.waitForMessage((message) => isPrivateReply(message) && SKETCH.test(message.content));
    expectASketch(harness, sketch, 1);
    stalled.release();
    const done = await harness.discord.waitForMessage((message) => isPrivateReply(message) && message.content.startsWith('Done: '));
    expect(done.attachments).toEqual([]);
    const results = harness.discord.messages(thread.id).filter((message) => isBotMessage(harness, message) && message.attachments.length > 0);
    expect(results).toHaveLength(1);
    expectTheAnswer(harness, results[0]!);
  });

  it("with previews turned off for the server, streams without asking for Gemini's drafts, so none is shown or kept", async () => {
    expect(await privateReply(harness, harness.discord.users.alice, 'settings', 'previews', [{ type: 3, name: 'state', value: 'off' }])).toMatch(/without sketches/);
    harness.gemini.enqueue({ kind: 'image', thoughtImages: 2 });
    const answer = await dispatchImagine(harness, 'a fox').answer();
    expectTheAnswer(harness, answer);
    // Not asked, Gemini sends no drafts: the stored answer, replayed with the history, has none either.
    expect(geminiCall(harness, 0)).toMatchObject({ streamed: true, streamEnd: 'complete', askedForDrafts: false, answerDrafts: 0 });
    expect(replyEdits(harness).filter((edit) => SKETCH.test(edit.content) || edit.files.some((file) => file.startsWith('sketch')))).toEqual([]);
  });

  it("asks for Gemini's drafts with previews on, and keeps them in the answer the next turn replays", async () => {
    harness.gemini.enqueue({ kind: 'image', thoughtImages: 1 });
    const answer = await dispatchImagine(harness, 'a fox').answer();
    const first = geminiCall(harness, 0);
    expect(first).toMatchObject({ askedForDrafts: true, answerDrafts: 1 });
    const thread = await waitForThread(harness, answer.id);
    googleForgetsTheThread(harness);
    const reply = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: answer.id });
    await waitForBotReplyTo(harness, reply);
    expect(lastAnsweredCall(harness).modelTurnsSent[0]).toEqual(first.answerOnWire); // the draft with it
  });
});

describe('a sketch larger than the reply takes', () => {
  const MiB = 1024 * 1024;
  // The interaction says the reply takes 1 MiB per upload (attachment_size_limit), and the emulator refuses more.
  const harness = useHarness({ discord: { uploadLimitBytes: 1 * MiB } });

  it('is shown as a smaller JPEG, not skipped; the answer then replaces it, fitted as ever', async () => {
    // Gemini's drafts are full-size, as large as its answer: both 3 MiB here.
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', text: 'A big fox.', thoughtImages: 2, imageBytes: 3 * MiB });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = dispatchImagine(harness, 'a big fox');
    const sketch = await turn.sketch();
    expect(sketch.content).toBe('Sketch 1, still drawing…\n-# Planning the composition');
    expect(sketch.attachments.map((attachment) => attachment.filename)).toEqual(['sketch-1.jpg']);
    const bytes = harness.discord.attachmentBytes(sketch.attachments[0]!);
    expect(bytes.length).toBeLessThan(1 * MiB);
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 16, height: 16 }); // Gemini's picture, without the bulk
    expect(sketch.components ?? []).toEqual([]);
    stalled.release();
    const answer = await turn.answer();
    expect(answer.id).toBe(sketch.id);
    expect(answer.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg']);
    expect(answer.content).toMatch(/^A big fox\.\n(-# .*\n)*-# Re-encoded to fit/);
    expect(harness.discord.requests.filter((request) => request.status === 413)).toEqual([]);
  });
});

describe('a streamed answer that goes wrong', () => {
  const harness = useHarness();
  const sketchThen = (answer: Extract<Behaviour, { kind: 'image' | 'finish' }>) => stalledStream(AFTER_FIRST_SKETCH, answer);

  it('cut midway after a sketch is asked again, and only the whole answer is shown and kept', async () => {
    const cut = sketchThen({ kind: 'image', thoughtImages: 2, stream: { cutAfter: AFTER_FIRST_SKETCH } });
    harness.gemini.enqueue(cut.behaviour, { kind: 'image', text: 'The whole fox.' });
    const turn = dispatchImagine(harness, 'a fox');
    await turn.sketch();
    cut.release();
    const answer = await turn.answer();
    expectTheAnswer(harness, answer);
    expect(answer.content).toMatch(/^The whole fox\./);
    expect(geminiCalls(harness).map((call) => call.streamEnd)).toEqual(['cut', 'complete']);
    const thread = await waitForThread(harness, answer.id);
    googleForgetsTheThread(harness);
    const reply = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'again', replyTo: answer.id });
    await waitForBotReplyTo(harness, reply);
    expect(lastAnsweredCall(harness).modelTurnsSent).toEqual([geminiCall(harness, 1).answerOnWire]);
  });

  it('cut on every try is explained where the sketch was, and nothing is kept', async () => {
    const cut = sketchThen({ kind: 'image', thoughtImages: 2, stream: { cutAfter: AFTER_FIRST_SKETCH } });
    const cutAgain: Behaviour = { kind: 'image', stream: { endAfter: 1 } };
    harness.gemini.enqueue(cut.behaviour, cutAgain, cutAgain, cutAgain);
    const turn = dispatchImagine(harness, 'a fox');
    await turn.sketch();
    cut.release();
    const told = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(turn.interactionId).originalMessageId && /broke off/.test(message.content));
    expect(told.content).toMatch(/^Gemini's answer broke off before it was finished, so nothing was kept\./);
    expect(told.attachments).toEqual([]);
    expect(told.components ?? []).toEqual([]);
    expect(geminiCalls(harness).map((call) => call.streamEnd)).toEqual(['cut', 'ended', 'ended', 'ended']);
    expect(harness.discord.threads()).toEqual([]); // no conversation was started from a broken answer
  });

  it('stopped mid-stream by a safety filter replaces the sketch with the reason, and keeps nothing', async () => {
    const blocked = sketchThen({ kind: 'finish', reason: 'IMAGE_SAFETY', thoughts: true, thoughtImages: 1 });
    harness.gemini.enqueue(blocked.behaviour);
    const turn = dispatchImagine(harness, 'something unsafe');
    await turn.sketch();
    blocked.release();
    const told = await turn.answer();
    if (suiteGeminiApi() === 'generate-content') expect(told.content).toMatch(/^Gemini's filter stopped the image \(image safety\)/);
    // The Interactions API names no reason (FACTS: a refusal is HTTP 200 with only the model's words): the member reads those.
    else expect(told.content).toContain("I can't create that image.");
    expect(told.attachments).toEqual([]);
    expect(harness.discord.threads()).toEqual([]);
  });

  it('waits out a 429 before the stream, then streams the answer', async () => {
    harness.gemini.enqueue({ kind: 'error', status: 429, retryDelay: '0.05s' }, { kind: 'image', thoughtImages: 1 });
    const answer = await dispatchImagine(harness, 'a fox').answer();
    expectTheAnswer(harness, answer);
    expect(geminiCalls(harness).map((call) => [call.streamed, call.status])).toEqual([
      [true, 429],
      [true, 200],
    ]);
  });

  it('asks again when Gemini puts an error in the stream after it began', async () => {
    harness.gemini.enqueue({ kind: 'image', thoughtImages: 1, stream: { errorAfter: 3, errorStatus: 503 } }, { kind: 'image' });
    const answer = await dispatchImagine(harness, 'a fox').answer();
    expectTheAnswer(harness, answer);
    expect(geminiCalls(harness)).toHaveLength(2);
  });

  it("explains a failed answer post in the reply that showed the sketch, and the sketch goes with it", async () => {
    const stalled = sketchThen({ kind: 'image', thoughtImages: 1 });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = dispatchImagine(harness, 'a fox');
    const sketch = await turn.sketch();
    // Discord refuses the answer's edit (the next edit of the reply): the member must not be left looking at the sketch.
    harness.discord.injectFault({ method: 'PATCH', path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/, error: { status: 400, code: 50035, message: 'Invalid Form Body' } });
    stalled.release();
    const told = await harness.discord.waitForMessage((message) => message.id === sketch.id && /^Something went wrong/.test(message.content));
    expect(told.content).toMatch(/^Something went wrong on my side \(reference [0-9a-f]{8}\)\. Please try again\.$/);
    expect(told.attachments).toEqual([]);
    expect(told.components ?? []).toEqual([]);
    expect(harness.discord.threads()).toEqual([]);
  });

  it("explains a failed answer post to a thread message in its status reply, in place of the sketch: still one bot message for the request", async () => {
    const image = await dispatchImagine(harness, 'a fox').answer();
    const thread = await waitForThread(harness, image.id);
    const stalled = sketchThen({ kind: 'image', thoughtImages: 1 });
    harness.gemini.enqueue(stalled.behaviour);
    const asked = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: 'make it blue', replyTo: image.id });
    const repliesTo = (message: StoredMessage) => isBotMessage(harness, message) && message.message_reference?.message_id === asked.id;
    const sketch = await harness.discord.waitForMessage((message) => repliesTo(message) && SKETCH.test(message.content));
    harness.discord.injectFault({ method: 'PATCH', path: new RegExp(`/messages/${sketch.id}$`), error: { status: 400, code: 50035, message: 'Invalid Form Body' } });
    stalled.release();
    const told = await harness.discord.waitForMessage((message) => message.id === sketch.id && /^Something went wrong/.test(message.content));
    expect(told.content).toMatch(/^Something went wrong on my side \(reference [0-9a-f]{8}\)\. Please try again\.$/);
    expect(told.attachments).toEqual([]);
    expect(told.components ?? []).toEqual([]);
    expect(harness.discord.messages(thread.id).filter(repliesTo)).toHaveLength(1);
  });

  it('keeps an answer that was whole when the connection dropped after its last chunk: posted once, Gemini asked once', async () => {
    harness.gemini.enqueue({ kind: 'image', text: 'A fox.', thoughtImages: 1, stream: { cutAfter: 'end' } });
    const answer = await dispatchImagine(harness, 'a fox').answer();
    expectTheAnswer(harness, answer);
    expect(answer.content).toMatch(/^A fox\./);
    await waitForThread(harness, answer.id);
    expect(geminiCalls(harness)).toHaveLength(1);
  });

  it('stopped by a restart mid-stream tells the member where the sketch was, and keeps nothing', async () => {
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', thoughtImages: 2 });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = dispatchImagine(harness, 'a fox');
    await turn.sketch();
    await harness.restart(100);
    const told = await turn.answer();
    expect(told.content).toMatch(/The bot is restarting/);
    expect(told.attachments).toEqual([]);
    expect(geminiCall(harness, 0).streamEnd).toBe('client-gone');
    expect(harness.discord.threads()).toEqual([]);
    stalled.release();
  });
});

describe('a stream that goes silent', () => {
  const harness = useHarness({ config: { geminiStallMs: 300 } });

  it('is given up after the stall limit, well before the call deadline, and explained', async () => {
    const stalled = stalledStream(AFTER_FIRST_SKETCH, { kind: 'image', thoughtImages: 2 });
    harness.gemini.enqueue(stalled.behaviour);
    const turn = dispatchImagine(harness, 'a fox');
    await turn.sketch();
    const told = await turn.answer();
    expect(told.content).toBe('Gemini took too long to answer. Please try again.');
    expect(told.attachments).toEqual([]);
    expect(geminiCalls(harness)).toHaveLength(1); // a timeout is not asked again
    stalled.release();
  });

  it('starts its clock at the first chunk: Gemini silent longer than the limit before it answers is waited for', async () => {
    // Gemini renders without a word for over three times the stall limit (as a 4K render asked without drafts may), then answers.
    harness.gemini.enqueue({ kind: 'image', text: 'A slow fox.', stream: { stallAfter: 0, until: sleep(1_000) } });
    const answer = await dispatchImagine(harness, 'a fox').answer();
    expect(answer.content).toMatch(/^A slow fox\./);
    expect(geminiCalls(harness)).toHaveLength(1);
  });

  it('does not wait on a stream left open after its last chunk: the whole answer is posted', async () => {
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    harness.gemini.enqueue({ kind: 'image', text: 'A fox.', thoughtImages: 1, stream: { stallAfter: 'end', until } });
    const answer = await dispatchImagine(harness, 'a fox').answer();
    expectTheAnswer(harness, answer);
    expect(answer.content).toMatch(/^A fox\./);
    expect(geminiCalls(harness)).toHaveLength(1);
    release();
  });
});
