import { PermissionFlagsBits } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import type { RecordedInteractionRequest } from '../emulators/gemini/interactionsTypes.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { openStore } from '../../src/store/openStore.js';
import { useHarness } from './useHarness.js';
import { firstAttachmentBytes, geminiBody, imagine, isBotMessage, isProgressNote, mainText, PATIENCE, replyInThread, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';
import { startHarness, type Harness } from './harness.js';
import { interactionOf } from '../../src/conversation/conversationRecord.js';
import { finalImagesOf } from '../../src/conversation/editTarget.js';
import { geminiCalls } from './geminiCalls.js';
import type { StoredMessage } from '../emulators/discord/index.js';

/**
 * The conversation on GEMINI_API=interactions: the same bot for members,
 * while Google keeps the history and a turn sends only what is new. The
 * emulator keeps interactions as Google would (retention on a clock the test
 * moves, unknown ids answered 404 or 400) and checks every replayed
 * signature, so a wrong replay fails here.
 */
const harness = useHarness({ env: { GEMINI_API: 'interactions' } });

interface InteractionBody {
  model: string;
  input: Array<{ type: string; content?: Array<Record<string, unknown>>; signature?: string }>;
  previous_interaction_id?: string;
  stream?: boolean;
  response_format?: unknown;
  tools?: unknown;
}

function posts(h: Harness = harness): RecordedInteractionRequest[] {
  return h.gemini.interactions.requests.filter((request) => request.method === 'POST');
}

function body(request: RecordedInteractionRequest | undefined): InteractionBody {
  return request?.body as InteractionBody;
}



async function storedRecord(threadId: string) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    const loaded = await new ConversationStore(store.keyv, new BlobStore(store.keyv)).load(threadId);
    return loaded.kind === 'found' ? loaded.record : undefined;
  } finally {
    await store.close();
  }
}

describe('GEMINI_API=interactions', () => {
  it('/imagine asks with response_format, then a reply continues from its interaction sending only the new words', async () => {
    harness.gemini.enqueue({ kind: 'image', text: 'A fox.' }, { kind: 'image', text: 'A blue fox.' });
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    expect(mainText(starter)).toBe('A fox.');
    const first = posts()[0]!;
    expect(first.status).toBe(200);
    expect(body(first)).toMatchObject({
      model: 'gemini-3-pro-image',
      input: [{ type: 'user_input', content: [{ type: 'text', text: 'a watercolor fox' }] }],
      response_format: [{ type: 'text' }, { type: 'image', aspect_ratio: '16:9' }],
    });
    expect(body(first).previous_interaction_id).toBeUndefined();
    expect(first.deprecated).toEqual([]);
    expect(first.headers['x-goog-api-key']).toBe(harness.gemini.apiKey);

    const edit = replyInThread(harness, thread.id, starter, 'now make the fox blue');
    const second = await waitForBotReplyTo(harness, edit);
    expect(mainText(second)).toBe('A blue fox.');
    expect(harness.gemini.imageInfo(firstAttachmentBytes(harness, second))?.prompt).toBe('now make the fox blue');
    const continued = posts()[1]!;
    expect(continued.status).toBe(200);
    expect(body(continued).previous_interaction_id).toBe(first.interactionId);
    expect(body(continued).input).toEqual([{ type: 'user_input', content: [{ type: 'text', text: 'now make the fox blue' }] }]);
    // Google saw the whole thread: the first turn's steps, then the new words.
    const seen = harness.gemini.interactions.stored(continued.interactionId!)!.history;
    expect(seen.filter((step) => step.type === 'user_input')).toHaveLength(2);

    // The record keeps each answer's steps (images in the blob store) and its interaction.
    await vi.waitFor(async () => {
      const record = await storedRecord(thread.id);
      expect(record?.exchanges.map((exchange) => interactionOf(exchange)?.id)).toEqual([first.interactionId, continued.interactionId]);
      const model = record?.exchanges[0]?.model;
      expect(model?.api === 'interactions' && model.steps).toHaveLength((geminiCalls(harness)[0]!.answerOnWire as unknown[]).length);
      expect(model?.api === 'interactions' && model.steps.some((step) => (step.images ?? []).length > 0)).toBe(true);
    }, PATIENCE);
  });

  it('replays the stored history statelessly when the interaction expired (the emulator clock passes the retention), then goes on from the new id', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    harness.gemini.interactions.advanceClock(25 * 60 * 60 * 1000);
    const edit = replyInThread(harness, thread.id, starter, 'make it night');
    const answer = await waitForBotReplyTo(harness, edit);
    expect(answer.attachments).toHaveLength(1);
    const [, refused, replayed] = posts();
    expect(refused?.status).toBe(404);
    expect(replayed?.status).toBe(200); // every replayed signature checked
    expect(body(replayed).previous_interaction_id).toBeUndefined();
    expect(body(replayed).input.map((step) => step.type)).toEqual(['user_input', 'thought', 'model_output', 'user_input']);

    const next = replyInThread(harness, thread.id, answer, 'add stars');
    await waitForBotReplyTo(harness, next);
    expect(body(posts()[3]).previous_interaction_id).toBe(replayed?.interactionId);
    expect(body(posts()[3]).input).toHaveLength(1);
  });

  it('treats a 400 naming the interaction as unknown too', async () => {
    harness.gemini.interactions.setUnknownIdStatus(400);
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    harness.gemini.interactions.expire(posts()[0]!.interactionId!);
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it night'));
    expect(answer.attachments).toHaveLength(1);
    expect(posts().map((request) => request.status)).toEqual([200, 400, 200]);
  });

  it('treats any 404 to a continued call as an unknown interaction, even one that does not name it', async () => {
    harness.gemini.interactions.setUnknownIdStatus(404, 'generic');
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    harness.gemini.interactions.expire(posts()[0]!.interactionId!);
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it night'));
    expect(answer.attachments).toHaveLength(1);
    expect(posts().map((request) => request.status)).toEqual([200, 404, 200]);
    expect(body(posts()[2]).previous_interaction_id).toBeUndefined();
  });

  it('continues an edit of an older image from the latest interaction, sending that image with the words (the model sees the whole thread, as on generateContent)', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const second = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(second.attachments).toHaveLength(1);
    const older = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it red instead'));
    expect(harness.gemini.imageInfo(firstAttachmentBytes(harness, older))?.prompt).toBe('make it red instead');
    const [, blue, third] = posts();
    expect(third?.status).toBe(200);
    expect(body(third).previous_interaction_id).toBe(blue?.interactionId);
    expect(body(third).input).toEqual([
      { type: 'user_input', content: [{ type: 'text', text: 'make it red instead' }, { type: 'image', mime_type: 'image/jpeg', data: firstAttachmentBytes(harness, starter).toString('base64') }] },
    ]);
  });

  it('rerolls a turn from the interaction before it, with the turn\'s own words', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const before = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: blue, customId: 'nb1:result:reroll' });
    await nextResultIn(thread.id, before);
    const [first, , reroll] = posts();
    expect(reroll?.status).toBe(200);
    expect(body(reroll).previous_interaction_id).toBe(first?.interactionId);
    expect(body(reroll).input).toEqual([{ type: 'user_input', content: [{ type: 'text', text: 'make it blue' }] }]);
  });

  it('rerolls an edit of an older image from the interaction it continued (the latest then), with its words and image, also a reroll of that reroll, and when it replays', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const red = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it red instead'));
    const [, blue, edit] = posts();
    let before = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: red, customId: 'nb1:result:reroll' });
    const rerolled = await nextResultIn(thread.id, before);
    const reroll = posts()[3];
    expect(reroll?.status).toBe(200);
    expect(body(reroll).previous_interaction_id).toBe(blue?.interactionId);
    expect(body(reroll).input).toEqual(body(edit).input); // the words and the first image, exactly as first sent
    expect(harness.gemini.imageInfo(firstAttachmentBytes(harness, rerolled))?.prompt).toBe('make it red instead');

    // A reroll of the reroll goes on from the same interaction, not from the latest (the first reroll's).
    before = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: rerolled, customId: 'nb1:result:reroll' });
    const again = await nextResultIn(thread.id, before);
    expect(posts()[4]?.status).toBe(200);
    expect(body(posts()[4]).previous_interaction_id).toBe(blue?.interactionId);
    expect(body(posts()[4]).input).toEqual(body(edit).input);

    // Google lost the blue image's interaction: the replay holds the history up to it, then the turn as first sent.
    harness.gemini.interactions.expire(blue!.interactionId!);
    before = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: again, customId: 'nb1:result:reroll' });
    await nextResultIn(thread.id, before);
    const [refused, replayed] = posts().slice(5);
    expect(refused?.status).toBe(404);
    expect(replayed?.status).toBe(200);
    expect(body(replayed).previous_interaction_id).toBeUndefined();
    expect(body(replayed).input.filter((step) => step.type === 'user_input').map((step) => step.content?.[0]?.['text'])).toEqual(['a fox', 'make it blue', 'make it red instead']);
    expect(body(replayed).input.at(-1)).toEqual(body(edit).input[0]);
  });

  it('upscales an older image from that image\'s own interaction, sending no image, and a reroll of the upscale goes on from there too', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const [first] = posts();
    let before = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:upscale-2k' });
    const upscaled = await nextResultIn(thread.id, before);
    const upscale = posts()[2];
    expect(upscale?.status).toBe(200);
    expect(body(upscale).previous_interaction_id).toBe(first?.interactionId);
    expect(body(upscale).input).toEqual([{ type: 'user_input', content: [{ type: 'text', text: expect.stringMatching(/^Upscale this image to 2K/) }] }]);
    expect(body(upscale).response_format).toEqual([{ type: 'text' }, { type: 'image', aspect_ratio: '16:9', image_size: '2K' }]);

    before = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: upscaled, customId: 'nb1:result:reroll' });
    await nextResultIn(thread.id, before);
    expect(posts()[3]?.status).toBe(200);
    expect(body(posts()[3]).previous_interaction_id).toBe(first?.interactionId);
    expect(body(posts()[3]).input).toEqual(body(upscale).input);
  });

  it('shows sketches from the streamed thought summary, and keeps them in the steps it replays', async () => {
    harness.gemini.enqueue({ kind: 'image', thoughtImages: 2 });
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    expect(body(posts()[0]).stream).toBe(true);
    const edits = harness.discord.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith('/messages/@original'));
    expect(edits.flatMap((request) => request.files.map((file) => file.filename))).toContain('sketch-1.jpg');
    expect(starter.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg']);
    harness.gemini.interactions.expire(posts()[0]!.interactionId!);
    await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const replayed = body(posts().at(-1));
    expect(posts().at(-1)?.status).toBe(200); // the rebuilt thought step, sketches and signature, verified
    expect(replayed.input[1]?.type).toBe('thought');
    expect((replayed.input[1] as { summary?: Array<{ type: string }> }).summary?.filter((item) => item.type === 'image')).toHaveLength(2);
  });

  it('words a refusal that comes as text only, or as a failed interaction, like any other, and keeps nothing of a failure', async () => {
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(message.attachments).toHaveLength(0);
    expect(message.content).toContain("I can't create that image.");
    harness.gemini.interactions.setSafetyStyle('failed');
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    const failed = await imagine(harness, { prompt: 'something else' });
    expect(failed.message.attachments).toHaveLength(0);
    expect(failed.message.content).toMatch(/Gemini stopped without saying why/);
    expect(failed.message.content).not.toMatch(/[{}]|undefined|\bnull\b/);
    // Both turns ended (stored, or their interaction deleted at Google) before alice asks again: two in progress is her limit.
    await vi.waitFor(() => expect(harness.logLines.filter((line) => line.includes('"msg":"turn steps timed"'))).toHaveLength(2), PATIENCE);
    harness.gemini.interactions.enqueue({ kind: 'status', status: 'budget_exceeded' });
    const odd = await imagine(harness, { prompt: 'a third thing' });
    expect(odd.message.content).toMatch(/a reason this bot does not know yet/);
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('"status":"budget_exceeded"'))).toBe(true), PATIENCE);
  });

  it('words an incomplete interaction as generateContent\'s MAX_TOKENS: the model ran out of room, its words shown', async () => {
    // The emulator answers a MAX_TOKENS finish with status incomplete (interactionsAnswer.ts).
    harness.gemini.enqueue({ kind: 'finish', reason: 'MAX_TOKENS', text: 'Sorry about that.' });
    const { message } = await imagine(harness, { prompt: 'something long' });
    expect(JSON.stringify(posts().at(-1)?.response)).toContain('"status":"incomplete"'); // streamed: the events Google sent
    expect(message.attachments).toHaveLength(0);
    expect(message.content).toMatch(/ran out of room/);
    expect(message.content).toContain('Sorry about that.');
  });

  it('keeps a refusal in words alone like any answer without an image: the next reply to the image before it continues from the refusal, sending that image', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    const refused = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'something unsafe'));
    expect(refused.attachments).toHaveLength(0);
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(answer.attachments).toHaveLength(1);
    const [, words, next] = posts();
    expect(next?.status).toBe(200);
    expect(body(next).previous_interaction_id).toBe(words?.interactionId);
    expect(body(next).input[0]?.content?.map((item) => item['type'])).toEqual(['text', 'image']);
  });

  it("deletes an answer the history does not keep without holding up the thread: the next reply is answered while Google has not yet answered that DELETE", async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await vi.waitFor(async () => expect(await storedRecord(thread.id)).toBeDefined(), PATIENCE);
    const google = harness.gemini.interactions.holdDeletes();
    harness.gemini.interactions.enqueue({ kind: 'unreadable' });
    const unkept = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it red'));
    expect(unkept.content).toContain('could not understand');
    const refusedId = posts()[1]!.interactionId!;
    await vi.waitFor(() => expect(google.waiting()).toEqual([refusedId]), PATIENCE);
    // Google's DELETE, retried, can take minutes: the thread's line and the Gemini slot are not held meanwhile.
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(answer.attachments).toHaveLength(1);
    expect(google.waiting()).toEqual([refusedId]);
    google.release();
    const deletes = () => harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE');
    await vi.waitFor(() => expect(deletes().map((request) => [request.interactionId, request.status])).toEqual([[refusedId, 200]]), PATIENCE);
  });

  it('retries a 429 as the retry policy says', async () => {
    harness.gemini.enqueue({ kind: 'error', status: 429 });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(1);
    expect(posts().map((request) => request.status)).toEqual([429, 200]);
    expect((posts()[0]?.response as { error: { code: unknown } }).error.code).toBe('resource_exhausted');
  });

  it('goes on from the latest image when the thread was made on generateContent (an operator switched GEMINI_API), and back', async () => {
    harness.config.geminiApi = 'generate-content';
    await harness.restart();
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    harness.config.geminiApi = 'interactions';
    await harness.restart();
    const switched = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(switched.attachments).toHaveLength(1);
    // The member hears why the first turn was left out, in words of its own (not the request limit's).
    expect(switched.content).toContain("-# This bot switched to another Gemini API since this thread began, so I left out its 1 oldest turn(s): turns from before the switch can't be sent again.");
    expect(switched.content).not.toMatch(/request limit/);
    const sent = body(posts()[0]);
    expect(posts()[0]?.status).toBe(200);
    expect(sent.previous_interaction_id).toBeUndefined();
    // Only the new turn: its words and the image it edits (the generateContent turn cannot be replayed here).
    expect(sent.input).toHaveLength(1);
    expect(sent.input[0]?.content?.map((item) => item['type'])).toEqual(['text', 'image']);
    expect(Buffer.from(String(sent.input[0]?.content?.[1]?.['data']), 'base64').equals(firstAttachmentBytes(harness, starter))).toBe(true);
    // Said once: the next turn leaves the same turn out without repeating it.
    const next = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, switched, 'bigger'));
    expect(next.attachments).toHaveLength(1);
    expect(next.content).not.toMatch(/switched to another Gemini API/);
    // Nor an upscale of the image from before the switch, though its turn reaches back there (it builds on that image).
    const beforeUpscale = harness.discord.messages(thread.id);
    harness.discord.clickButton({ user: harness.discord.users.bob, message: starter, customId: 'nb1:result:upscale-2k' });
    const upscaled = await nextResultIn(thread.id, beforeUpscale);
    expect(upscaled.attachments).toHaveLength(1);
    expect(upscaled.content).not.toMatch(/switched to another Gemini API/);

    harness.config.geminiApi = 'generate-content';
    await harness.restart();
    const back = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, upscaled, 'add a hat'));
    expect(back.attachments).toHaveLength(1);
    // Back on generateContent, the interactions turns (and the one before them) cannot be replayed either.
    expect(back.content).toContain('so I left out its 4 oldest turn(s): turns from before the switch');
    expect(back.content).not.toMatch(/request limit/);
    expect(harness.gemini.requests.at(-1)?.status).toBe(200);
    const contents = geminiBody(harness, harness.gemini.requests.length - 1).contents;
    expect(JSON.stringify(contents)).not.toMatch(/"step"|"item"/);
  });
});

describe('HISTORY_BUDGET_MB on GEMINI_API=interactions', () => {
  /**
   * A thread of four 200 kB answers, each edit a reply to the latest, on a
   * 0.6 MB budget (two answers fit, not three); then a fifth edit after
   * Google lost every interaction: its answer and the request that carried
   * its history (on interactions, the replay after the 404).
   */
  async function fifthEditAfterExpiry(h: Harness) {
    h.config.historyBudgetBytes = 0.6 * 1024 * 1024;
    await h.restart();
    h.gemini.enqueue(...Array.from({ length: 5 }, () => ({ kind: 'image' as const, imageBytes: 200_000 })));
    const { message } = await imagine(h, { prompt: 'turn one' });
    const thread = await waitForThread(h, message.id);
    let latest = message;
    const answers: StoredMessage[] = [];
    for (const prompt of ['turn two', 'turn three', 'turn four']) {
      latest = await waitForBotReplyTo(h, h.discord.sendMessage({ user: h.discord.users.bob, channelId: thread.id, content: prompt, replyTo: latest.id }));
      answers.push(latest);
    }
    h.gemini.interactions.advanceClock(25 * 60 * 60 * 1000);
    const fifth = await waitForBotReplyTo(h, h.discord.sendMessage({ user: h.discord.users.bob, channelId: thread.id, content: 'turn five', replyTo: latest.id }));
    return { answers, fifth };
  }

  const leftOutNote = (message: StoredMessage) => message.content.split('\n').filter((line) => /left out/.test(line));

  it('a replay after the interaction expired leaves out the oldest turns past the budget, and the member reads the note generateContent shows', async () => {
    const { answers, fifth } = await fifthEditAfterExpiry(harness);
    // Continued turns send no history: none was left out, Google holds it all.
    expect(answers.flatMap(leftOutNote)).toEqual([]);
    expect(fifth.attachments).toHaveLength(1);
    const [refused, replayed] = posts().slice(4);
    expect(refused?.status).toBe(404);
    expect(replayed?.status).toBe(200);
    expect(body(replayed).previous_interaction_id).toBeUndefined();
    expect(body(replayed).input.filter((step) => step.type === 'user_input').map((step) => step.content?.[0]?.['text'])).toEqual(['turn three', 'turn four', 'turn five']);
    expect(replayed!.bytes).toBeLessThan(0.6 * 1024 * 1024);
    expect(leftOutNote(fifth)).toEqual(["-# This thread is long: I left out its 2 oldest turn(s) to stay within Gemini's request limit."]);

    // The same thread on generateContent: the same turns left out, the same words for the member.
    const generateContent = await startHarness({ env: { GEMINI_API: 'generate-content' } });
    try {
      const stateless = await fifthEditAfterExpiry(generateContent);
      const sent = geminiBody(generateContent, 4).contents.filter((content) => content.role === 'user').map((content) => content.parts[0]);
      expect(sent).toEqual([{ text: 'turn three' }, { text: 'turn four' }, { text: 'turn five' }]);
      expect(leftOutNote(stateless.fifth)).toEqual(leftOutNote(fifth));
    } finally {
      await generateContent.close();
    }
  });
});

describe('Delete on GEMINI_API=interactions', () => {
  it('deletes the turn\'s interaction at Google and those of later turns holding it; the next turn replays the record without it', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const hat = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    const [first, second, third] = posts().map((request) => request.interactionId!);
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: blue, customId: 'nb1:result:delete' });
    await harness.discord.waitForInteractionResponse(interactionId);
    await vi.waitFor(() => {
      const deletes = harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE');
      // Sent together, so in no set order.
      expect(deletes.map((request) => [request.interactionId, request.status]).sort()).toEqual([
        [second, 200],
        [third, 200],
      ].sort());
    }, PATIENCE);
    expect(harness.gemini.interactions.storedIds()).toEqual([first]);

    const next = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, hat, 'make it night'));
    expect(next.attachments).toHaveLength(1);
    const replayed = posts().at(-1)!;
    expect(replayed.status).toBe(200);
    expect(body(replayed).previous_interaction_id).toBeUndefined();
    const words = body(replayed).input.filter((step) => step.type === 'user_input').map((step) => step.content?.[0]?.['text']);
    expect(words).toEqual(['a fox', 'add a hat', 'make it night']);
  });

  it('never asks Google again to delete what a Delete already did: not for a later turn\'s Delete, nor when the thread is deleted', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const hat = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'add a hat'));
    const [first, second, third] = posts().map((request) => request.interactionId!);
    const deletes = () => harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE').map((request) => [request.interactionId, request.status]);
    const deleteAndWait = async (message: StoredMessage) => {
      const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message, customId: 'nb1:result:delete' });
      await harness.discord.waitForMessage((reply) => reply.id === harness.discord.interaction(interactionId).originalMessageId && /^Deleted/.test(reply.content));
    };
    await deleteAndWait(blue);
    // Sent together, so in no set order.
    await vi.waitFor(() => expect(deletes().sort()).toEqual([[second, 200], [third, 200]].sort()), PATIENCE);
    // The hat's turn held the deleted one: its interaction is gone at Google already.
    await deleteAndWait(hat);

    harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageThreads);
    harness.discord.deleteThread({ user: harness.discord.users.alice, threadId: thread.id });
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('thread deleted: its conversation is forgotten') && line.includes('"interactions":1'))).toBe(true), PATIENCE);
    await vi.waitFor(() => expect(deletes()).toContainEqual([first, 200]), PATIENCE);
    expect(deletes().slice(0, 2).sort()).toEqual([[second, 200], [third, 200]].sort());
    expect(deletes().slice(2)).toEqual([[first, 200]]);
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
  });
  it('asks Google again, when the thread is deleted, to delete an interaction whose DELETE it failed', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const [first, second] = posts().map((request) => request.interactionId!);
    const deletes = () => harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE').map((request) => [request.interactionId, request.status]);
    // Refused (a 403 would only be refused again, so it is not retried as a 503 is): the id stays owed in the record.
    harness.gemini.interactions.failNextDelete(403);
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: blue, customId: 'nb1:result:delete' });
    await harness.discord.waitForMessage((reply) => reply.id === harness.discord.interaction(interactionId).originalMessageId && /^Deleted/.test(reply.content));
    await vi.waitFor(() => expect(deletes()).toEqual([[second, 403]]), PATIENCE);
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('asked again on a later Delete') && line.includes(second!))).toBe(true), PATIENCE);
    expect(harness.gemini.interactions.storedIds()).toEqual([first, second]);

    harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageThreads);
    harness.discord.deleteThread({ user: harness.discord.users.alice, threadId: thread.id });
    await vi.waitFor(() => expect(deletes()).toHaveLength(3), PATIENCE);
    expect(deletes()[0]).toEqual([second, 403]);
    // The thread's deletion asks for both together, so in no set order.
    expect(deletes().slice(1).sort()).toEqual([[second, 200], [first, 200]].sort());
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
  });
});

describe('a channel deleted on GEMINI_API=interactions', () => {
  it('forgets every thread\'s conversation before Google answers any DELETE, and sends the DELETEs together', async () => {
    const threadIds: string[] = [];
    for (const prompt of ['a fox', 'a paper boat', 'a lighthouse']) threadIds.push((await startConversation(harness, { prompt })).thread.id);
    // An answer is posted before its turn is saved.
    await vi.waitFor(async () => {
      for (const threadId of threadIds) expect(await storedRecord(threadId)).toBeDefined();
    }, PATIENCE);
    const interactionIds = posts().map((request) => request.interactionId!);
    expect(interactionIds).toHaveLength(3);
    const google = harness.gemini.interactions.holdDeletes();

    harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageChannels);
    harness.discord.deleteChannel({ user: harness.discord.users.alice, channelId: harness.discord.channelId });
    // All three wait at Google at once: one thread after another, the first thread's DELETE would hold up the rest.
    await vi.waitFor(() => expect(google.waiting().sort()).toEqual([...interactionIds].sort()), PATIENCE);
    // None answered yet, and every conversation is gone from the store already.
    for (const threadId of threadIds) expect(await storedRecord(threadId)).toBeUndefined();
    google.release();
    const deletes = () => harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE');
    await vi.waitFor(() => expect(deletes().map((request) => request.status)).toEqual([200, 200, 200]), PATIENCE);
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
  });

  it('a stopping process waits for the DELETEs it began for a deleted channel (bounded, as for any running work)', async () => {
    const { thread } = await startConversation(harness, { prompt: 'a fox' });
    await vi.waitFor(async () => expect(await storedRecord(thread.id)).toBeDefined(), PATIENCE);
    const [interactionId] = posts().map((request) => request.interactionId!);
    const google = harness.gemini.interactions.holdDeletes();
    harness.discord.setMemberPermissions(harness.discord.users.alice, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageChannels);
    harness.discord.deleteChannel({ user: harness.discord.users.alice, channelId: harness.discord.channelId });
    await vi.waitFor(() => expect(google.waiting()).toEqual([interactionId]), PATIENCE);

    const stopping = harness.bot.stop(300);
    // Past its grace the stop names the channel's forgetting as work still running: it has not let it go.
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('interrupting requests still in progress'))).toBe(true), PATIENCE);
    google.release();
    await stopping;
    const messages = harness.logLines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.indexOf('deleted the interaction Google stored')).toBeGreaterThan(-1);
    expect(messages.indexOf('deleted the interaction Google stored')).toBeLessThan(messages.indexOf('bot stopped'));
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
  });
});

describe('interactions Google keeps that the history does not', () => {
  const deletes = () => harness.gemini.interactions.requests.filter((request) => request.method === 'DELETE').map((request) => [request.interactionId, request.status]);

  it('an answer that is not stored (Gemini ended it with an error) is deleted at Google once the member has it', async () => {
    harness.gemini.interactions.enqueue({ kind: 'step-error' });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(0);
    const failed = posts()[0]!.interactionId!;
    await vi.waitFor(() => expect(deletes()).toEqual([[failed, 200]]), PATIENCE);
    expect(harness.gemini.interactions.storedIds()).toEqual([]);
  });

  it('an answer the bot cannot read is told to the member in words, kept in no record, and deleted at Google', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    await vi.waitFor(async () => expect((await storedRecord(thread.id))?.exchanges).toHaveLength(1), PATIENCE);
    const first = posts()[0]!.interactionId!;
    harness.gemini.interactions.enqueue({ kind: 'unreadable' });
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const unreadable = posts()[1]!.interactionId!;
    expect(posts()[1]!.status).toBe(200);
    expect(mainText(answer)).toBe('Gemini sent an answer I could not understand. Please try again.');
    // Not shown as a result: no image, no buttons to build on it.
    expect(answer.attachments).toHaveLength(0);
    expect(answer.components ?? []).toEqual([]);
    await vi.waitFor(() => expect(deletes()).toEqual([[unreadable, 200]]), PATIENCE);
    expect(harness.gemini.interactions.storedIds()).toEqual([first]);
    // The record holds the fox alone: the next turn goes on from its interaction, as if the unreadable one never came.
    expect((await storedRecord(thread.id))?.exchanges).toHaveLength(1);
    const next = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it red'));
    expect(next.attachments).toHaveLength(1);
    expect(body(posts().at(-1)).previous_interaction_id).toBe(first);
  });

  it('Delete still deletes a turn\'s interactions after the operator switched back to generate-content', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const second = posts()[1]!.interactionId!;
    harness.config.geminiApi = 'generate-content';
    await harness.restart();
    const { interactionId } = harness.discord.clickButton({ user: harness.discord.users.bob, message: blue, customId: 'nb1:result:delete' });
    await harness.discord.waitForInteractionResponse(interactionId);
    await vi.waitFor(() => expect(deletes()).toEqual([[second, 200]]), PATIENCE);
  });
});

describe('a damaged record on GEMINI_API=interactions', () => {
  // unreadableHistory.test.ts proves, on both APIs, what a member sees once the record is all there is (on
  // interactions, after Google's copy expired). While Google keeps the thread, the record's images are not needed.
  it('does not stop a turn while Google keeps the thread: it continues from the latest interaction, with no note', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const blue = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    const record = await vi.waitFor(async () => {
      const saved = await storedRecord(thread.id);
      expect(saved?.exchanges).toHaveLength(2);
      return saved!;
    }, PATIENCE);
    const store = await openStore(harness.config.databaseUrl);
    try {
      const [image] = finalImagesOf(record.exchanges[0]!.model);
      await store.keyv.delete(`blob:${image!.blob.sha256}`);
    } finally {
      await store.close();
    }

    const hat = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, blue, 'now add a hat'));
    expect(hat.attachments).toHaveLength(1);
    expect(hat.content).not.toMatch(/earlier history|left out/);
    const last = posts().at(-1)!;
    expect(last.status).toBe(200);
    expect(body(last).previous_interaction_id).toBe(interactionOf(record.exchanges[1])?.id);
    expect(body(last).input).toEqual([{ type: 'user_input', content: [{ type: 'text', text: 'now add a hat' }] }]);
  });
});

describe('bytes sent per edit of a long thread', () => {
  const TURNS = 6;

  /** A thread of TURNS answers of about 300 kB each, every edit a reply to the latest; the bytes of the last edit's request. */
  async function lastEditBytes(h: Harness, requests: () => Array<{ bytes: number; status: number }>): Promise<number> {
    for (let turn = 0; turn < TURNS; turn++) h.gemini.enqueue({ kind: 'image', imageBytes: 300_000 });
    const { message } = await imagine(h, { prompt: 'a fox' });
    const thread = await waitForThread(h, message.id);
    let latest = message;
    for (let turn = 1; turn < TURNS; turn++) {
      const edit = h.discord.sendMessage({ user: h.discord.users.bob, channelId: thread.id, content: `edit number ${turn}`, replyTo: latest.id });
      latest = await waitForBotReplyTo(h, edit);
      expect(latest.attachments).toHaveLength(1);
    }
    expect(requests().map((request) => request.status)).toEqual(Array(TURNS).fill(200));
    return requests().at(-1)!.bytes;
  }

  it('sends under 1 % of what generateContent sends for the same edit', async () => {
    const interactions = await lastEditBytes(harness, () => posts());
    const generateContent = await startHarness();
    try {
      // The generateContent side records the parsed body: the bot sends compact JSON, so its length is what went over the wire.
      const stateless = await lastEditBytes(generateContent, () =>
        generateContent.gemini.requests.map((request) => ({ status: request.status, bytes: Buffer.byteLength(JSON.stringify(request.body)) })),
      );
      expect(stateless).toBeGreaterThan(TURNS * 300_000);
      expect(interactions / stateless).toBeLessThan(0.01);
    } finally {
      await generateContent.close();
    }
  });
});

/** The next result the bot posts in a thread, after a click. */
function nextResultIn(threadId: string, after: StoredMessage[]) {
  const known = new Set(after.map((message) => message.id));
  return harness.discord.waitForMessage(
    (message) => isBotMessage(harness, message) && message.channel_id === threadId && !known.has(message.id) && message.attachments.length > 0 && !isProgressNote(message),
  );
}
