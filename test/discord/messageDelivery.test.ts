import type { BaseMessageOptions, Message } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { messageDelivery } from '../../src/discord/messageDelivery.js';
import { createLogger } from '../../src/logging/createLogger.js';

const FAILED = 'Something went wrong on my side (reference 0123abcd). Please try again.';
const sketch = { content: 'Sketch 1, still drawing…', files: [{ name: 'sketch-1.png', mimeType: 'image/png', data: Buffer.from('png') }] };

/**
 * The member's message as messageDelivery uses it: reply() posts a reply
 * whose edit() changes it. Discord refuses (an error thrown) the attempts
 * numbered in `refuse` (the first reply attempt is 1, the first edit 1).
 * Every message that reached Discord is in `channel`, as Discord shows it.
 */
function memberMessage(refuse: { replies?: number[]; edits?: number[] } = {}) {
  const attempts = { replies: 0, edits: 0 };
  const channel: Array<{ id: string; content: string | undefined; files: number }> = [];
  const logLines: Array<{ level: number; msg: string; messageId?: string }> = [];
  const refused = () => Object.assign(new Error('Invalid Form Body'), { status: 400, code: 50035 });
  const show = (id: string, payload: BaseMessageOptions) => {
    const shown = { id, content: payload.content, files: payload.files?.length ?? 0 };
    const at = channel.findIndex((message) => message.id === id);
    if (at === -1) channel.push(shown);
    else channel[at] = shown;
  };
  const request = {
    id: 'asked',
    channelId: 'channel',
    guild: { premiumTier: 0 },
    async reply(payload: BaseMessageOptions) {
      if (refuse.replies?.includes(++attempts.replies)) throw refused();
      const id = `reply-${channel.length + 1}`;
      show(id, payload);
      const posted = {
        id,
        async edit(changed: BaseMessageOptions) {
          if (refuse.edits?.includes(++attempts.edits)) throw refused();
          show(id, changed);
          return posted;
        },
      };
      return posted;
    },
  };
  const logger = createLogger('debug', { write: (line: string) => void logLines.push(JSON.parse(line) as (typeof logLines)[number]) });
  return { delivery: messageDelivery(request as unknown as Message<true>, logger), channel, logLines };
}

describe('telling the member of a message that its request failed', () => {
  it('says so in the status reply while it shows where the request stood, the sketch replaced by the sentence', async () => {
    const { delivery, channel, logLines } = memberMessage();
    await delivery.progress(sketch);
    await delivery.explain(FAILED);
    expect(channel).toEqual([{ id: 'reply-1', content: FAILED, files: 0 }]);
    expect(logLines.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('replies on its own when there was no status reply', async () => {
    const { delivery, channel } = memberMessage();
    await delivery.explain(FAILED);
    expect(channel).toEqual([{ id: 'reply-1', content: FAILED, files: 0 }]);
  });

  it('replies on its own once the answer is posted, so the answer keeps its words', async () => {
    const { delivery, channel } = memberMessage();
    await delivery.progress(sketch);
    await delivery.post({ content: 'A fox.', files: [{ name: 'image-1.png', mimeType: 'image/png', data: Buffer.from('png') }], isAnswer: true });
    await delivery.explain(FAILED);
    expect(channel).toEqual([
      { id: 'reply-1', content: 'A fox.', files: 1 },
      { id: 'reply-2', content: FAILED, files: 0 },
    ]);
  });

  it('replies on its own when Discord refuses the status reply\'s edit, and logs the refusal', async () => {
    const { delivery, channel, logLines } = memberMessage({ edits: [1] });
    await delivery.progress(sketch);
    await delivery.explain(FAILED);
    expect(channel).toEqual([
      { id: 'reply-1', content: 'Sketch 1, still drawing…', files: 1 },
      { id: 'reply-2', content: FAILED, files: 0 },
    ]);
    expect(logLines.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual(['could not explain a failure in the status reply; replying instead']);
  });

  it('replies on its own when Discord refused the status reply itself', async () => {
    const { delivery, channel } = memberMessage({ replies: [1] });
    await expect(delivery.progress(sketch)).rejects.toThrow('Invalid Form Body');
    await delivery.explain(FAILED);
    expect(channel).toEqual([{ id: 'reply-1', content: FAILED, files: 0 }]);
  });

  it('when Discord refuses that reply too, logs that the member could not be told, and never throws', async () => {
    const { delivery, channel, logLines } = memberMessage({ edits: [1], replies: [2] });
    await delivery.progress(sketch);
    await expect(delivery.explain(FAILED)).resolves.toBeUndefined();
    expect(channel).toEqual([{ id: 'reply-1', content: 'Sketch 1, still drawing…', files: 1 }]);
    expect(logLines.filter((line) => line.level >= 40).map((line) => [line.msg, line.messageId])).toEqual([
      ['could not explain a failure in the status reply; replying instead', 'asked'],
      ['could not tell the member that the request failed', 'asked'],
    ]);
  });
});
