import type { BaseMessageOptions } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressDeadline } from '../../src/discord/progressDeadline.js';
import type { RenderedMessage } from '../../src/discord/renderOutcome.js';

/** The contract, written here rather than imported so a change to it fails: progress until 13.5 min, a minute before the bot stops relying on the token (14.5). */
const CUTOFF_MS = 13.5 * 60_000;

const sketch = (number: number): RenderedMessage => ({ content: `Sketch ${number}, still drawing…`, files: [{ name: `sketch-${number}.jpg`, mimeType: 'image/jpeg', data: Buffer.from([number]) }] });
const queued: RenderedMessage = { content: 'Queued: 1 ahead of you.', files: [] };
const NOTICE = 'Still working on it. The result will be posted in this channel.';

/** What the reply shows after each edit: its text and file names (an edit with `files: []` removes the files). */
function fakeReply() {
  const edits: Array<{ content: string | undefined; files: string[] }> = [];
  const edit = async (payload: BaseMessageOptions) => {
    edits.push({ content: payload.content ?? undefined, files: (payload.files ?? []).map((file) => (file as { name: string }).name) });
  };
  return { edits, edit };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("a reply's progress and the interaction token's deadline", () => {
  it('replaces the sketch on screen with a notice at the cutoff, while the token still edits the reply; nothing is shown over the notice', async () => {
    const deadline = progressDeadline({ createdTimestamp: Date.now() }, NOTICE);
    const reply = fakeReply();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    await deadline.show(sketch(1), reply.edit);
    await vi.advanceTimersByTimeAsync(CUTOFF_MS - 10 * 60_000 - 1);
    expect(reply.edits).toEqual([{ content: 'Sketch 1, still drawing…', files: ['sketch-1.jpg'] }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(reply.edits.at(-1)).toEqual({ content: NOTICE, files: [] });
    // Past the cutoff the notice stays: neither a sketch nor words replace it.
    await deadline.show(sketch(2), reply.edit);
    await deadline.show(queued, reply.edit);
    expect(reply.edits.slice(1)).toEqual([{ content: NOTICE, files: [] }]);
    await deadline.finish();
  });

  it('replaces words on screen too: a request still queued at the cutoff is told where its result will go', async () => {
    const deadline = progressDeadline({ createdTimestamp: Date.now() }, NOTICE);
    const reply = fakeReply();
    await deadline.show(queued, reply.edit);
    await vi.advanceTimersByTimeAsync(CUTOFF_MS);
    expect(reply.edits).toEqual([{ content: 'Queued: 1 ahead of you.', files: [] }, { content: NOTICE, files: [] }]);
  });

  it('shows the notice instead of the first progress that comes after the cutoff', async () => {
    const deadline = progressDeadline({ createdTimestamp: Date.now() - CUTOFF_MS }, NOTICE);
    const reply = fakeReply();
    await deadline.show(sketch(1), reply.edit);
    await deadline.show(queued, reply.edit);
    expect(reply.edits).toEqual([{ content: NOTICE, files: [] }]);
  });

  it('takes nothing down once the answer took over the reply', async () => {
    const answered = progressDeadline({ createdTimestamp: Date.now() }, NOTICE);
    const reply = fakeReply();
    await answered.show(sketch(1), reply.edit);
    await answered.show(queued, reply.edit); // a retry's words replaced the sketch
    await answered.finish();
    await vi.advanceTimersByTimeAsync(CUTOFF_MS + 1);
    expect(reply.edits.map((edit) => edit.content)).toEqual(['Sketch 1, still drawing…', 'Queued: 1 ahead of you.']);
  });

  it('lets the answer wait for a take-down under way, so the notice never lands after the answer', async () => {
    const deadline = progressDeadline({ createdTimestamp: Date.now() }, NOTICE);
    let finishNotice!: () => void;
    const order: string[] = [];
    await deadline.show(sketch(1), async () => void order.push('sketch'));
    const slowEdit = deadline.show(sketch(2), async (payload) => {
      if (payload.content === NOTICE) await new Promise<void>((resolve) => (finishNotice = resolve));
      order.push(String(payload.content));
    });
    await slowEdit;
    await vi.advanceTimersByTimeAsync(CUTOFF_MS);
    let finished = false;
    const finishing = deadline.finish().then(() => (finished = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(finished).toBe(false);
    finishNotice();
    await finishing;
    expect(order).toEqual(['sketch', 'Sketch 2, still drawing…', NOTICE]);
  });
});
