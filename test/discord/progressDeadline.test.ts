import type { BaseMessageOptions } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressDeadline } from '../../src/discord/progressDeadline.js';
import { interactionDelivery } from '../../src/discord/interactionDelivery.js';
import { InteractionResponse } from '../../src/discord/interactionResponse.js';
import type { RenderedMessage } from '../../src/discord/renderOutcome.js';

/** The contract, written here rather than imported so a change to it fails: progress until 13.5 min, a minute before the bot stops relying on the token (14.5). */
const CUTOFF_MS = 13.5 * 60_000;

const sketch = (number: number): RenderedMessage => ({ content: `Sketch ${number}, still drawing…`, files: [{ name: `sketch-${number}.jpg`, mimeType: 'image/jpeg', data: Buffer.from([number]) }] });
const queued: RenderedMessage = { content: 'Queued: 1 ahead of you.', files: [] };
const NOTICE = 'Still working on it. The result will be posted in this channel.';

/** A deferred reply: what it shows after each edit (text and file names; an edit with `files: []` removes the files). */
function deferredReply(createdTimestamp = Date.now()) {
  const edits: Array<{ content: string | undefined; files: string[] }> = [];
  const edit = async (payload: BaseMessageOptions) => {
    edits.push({ content: payload.content ?? undefined, files: (payload.files ?? []).map((file) => (file as { name: string }).name) });
  };
  let answered = false;
  const response = { interaction: { createdTimestamp }, acknowledged: Promise.resolve(), get isAnswered() { return answered; } };
  return { edits, edit, response: response as never, answer: () => (answered = true) };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("a reply's progress and the interaction token's deadline", () => {
  it('replaces the sketch on screen with a notice at the cutoff, while the token still edits the reply; nothing is shown over the notice', async () => {
    const reply = deferredReply();
    const deadline = progressDeadline(reply.response, NOTICE, reply.edit);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await deadline.show(sketch(1));
    await vi.advanceTimersByTimeAsync(CUTOFF_MS - 10 * 60_000 - 1);
    expect(reply.edits).toEqual([{ content: 'Sketch 1, still drawing…', files: ['sketch-1.jpg'] }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(reply.edits.at(-1)).toEqual({ content: NOTICE, files: [] });
    await deadline.show(sketch(2));
    await deadline.show(queued);
    expect(reply.edits.slice(1)).toEqual([{ content: NOTICE, files: [] }]);
    await deadline.finish();
  });

  it('replaces words, or a bare "thinking…", too: a request still waiting at the cutoff is told where its result will go', async () => {
    const queuedReply = deferredReply();
    progressDeadline(queuedReply.response, NOTICE, queuedReply.edit);
    // A turn waiting in its thread's line shows nothing but Discord's "thinking…".
    await vi.advanceTimersByTimeAsync(CUTOFF_MS);
    expect(queuedReply.edits).toEqual([{ content: NOTICE, files: [] }]);

    const words = deferredReply();
    const deadline = progressDeadline(words.response, NOTICE, words.edit);
    await deadline.show(queued);
    await vi.advanceTimersByTimeAsync(CUTOFF_MS);
    expect(words.edits).toEqual([{ content: 'Queued: 1 ahead of you.', files: [] }, { content: NOTICE, files: [] }]);
  });

  it('shows the notice instead of the first progress that comes after the cutoff', async () => {
    const reply = deferredReply(Date.now() - CUTOFF_MS);
    const deadline = progressDeadline(reply.response, NOTICE, reply.edit);
    await deadline.show(sketch(1));
    await deadline.show(queued);
    expect(reply.edits).toEqual([{ content: NOTICE, files: [] }]);
  });

  it('takes nothing down once the answer took over the reply, or an explanation ended the request', async () => {
    const answered = deferredReply();
    const deadline = progressDeadline(answered.response, NOTICE, answered.edit);
    await deadline.show(sketch(1));
    await deadline.finish();
    await vi.advanceTimersByTimeAsync(CUTOFF_MS + 1);
    expect(answered.edits.map((edit) => edit.content)).toEqual(['Sketch 1, still drawing…']);

    const explained = deferredReply();
    const other = progressDeadline(explained.response, NOTICE, explained.edit);
    await other.show(queued);
    explained.answer(); // the turn threw; the error was explained in the reply, and post() never comes
    await vi.advanceTimersByTimeAsync(CUTOFF_MS + 1);
    expect(explained.edits.map((edit) => edit.content)).toEqual(['Queued: 1 ahead of you.']);
  });

  it('lets the answer wait for a take-down under way, so the notice never lands after the answer', async () => {
    let finishNotice!: () => void;
    const order: string[] = [];
    const reply = deferredReply();
    const deadline = progressDeadline(reply.response, NOTICE, async (payload) => {
      if (payload.content === NOTICE) await new Promise<void>((resolve) => (finishNotice = resolve));
      order.push(String(payload.content));
    });
    await deadline.show(sketch(1));
    await vi.advanceTimersByTimeAsync(CUTOFF_MS);
    let finished = false;
    const finishing = deadline.finish().then(() => (finished = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(finished).toBe(false);
    finishNotice();
    await finishing;
    expect(order).toEqual(['Sketch 1, still drawing…', NOTICE]);
  });
});

describe("a slash command's delivery and the deadline", () => {
  it('an error explained after progress stays: no notice replaces it at the cutoff', async () => {
    const edits: string[] = [];
    const interaction = {
      createdTimestamp: Date.now(),
      deferred: false,
      replied: false,
      deferReply: async () => void (interaction.deferred = true),
      editReply: async (payload: { content?: string }) => (edits.push(String(payload.content)), {}),
      followUp: async () => ({}),
      attachmentSizeLimit: 10_000_000,
      guild: null,
    };
    const response = new InteractionResponse(interaction as never);
    void response.defer('public');
    const delivery = interactionDelivery(response);
    await delivery.progress({ content: 'Waiting for a free slot: you are next.', files: [] });
    // The turn throws (the blob store errs while the body is built, say): the router explains it in the reply.
    await response.explain('Something went wrong (reference abcd1234).');
    await vi.advanceTimersByTimeAsync(14 * 60_000);
    expect(edits).toEqual(['Waiting for a free slot: you are next.', 'Something went wrong (reference abcd1234).']);
  });
});
