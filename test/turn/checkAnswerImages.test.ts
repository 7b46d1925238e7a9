import { describe, expect, it } from 'vitest';
import { checkNoImageAnswer } from '../../src/turn/checkAnswerImages.js';

const noImage = (parts: Array<Record<string, unknown>>) =>
  checkNoImageAnswer({ kind: 'no-image', modelContent: { api: 'generate-content', content: { role: 'model', parts } }, text: 'words', finishReason: 'STOP', usage: {}, sources: [] });

describe('checkNoImageAnswer: what a text answer may keep for the next replay', () => {
  it('keeps an answer of words alone', async () => {
    expect((await noImage([{ text: 'thinking', thought: true }, { text: 'words', thoughtSignature: 's' }])).notReplayable).toBeUndefined();
  });

  it.each([
    { case: 'inline data with no type', part: { inlineData: { data: 'AAAA' } }, why: /inline data that is no image \(no type\)/ },
    { case: 'inline data of another type', part: { inlineData: { mimeType: 'audio/wav', data: 'AAAA' } }, why: /no image \(audio\/wav\)/ },
    { case: 'an image part with no data', part: { inlineData: { mimeType: 'image/jpeg', data: '' } }, why: /no image/ },
    { case: 'a draft that is no picture', part: { inlineData: { mimeType: 'image/jpeg', data: 'AAAA' }, thought: true }, why: /an interim image could not be read/ },
  ])('does not keep one holding $case', async ({ part, why }) => {
    expect((await noImage([{ text: 'words' }, part])).notReplayable).toMatch(why);
  });

  it('checks the drafts of an Interactions answer (images in its thought steps) the same way', async () => {
    const answer = (draft: string) =>
      checkNoImageAnswer({
        kind: 'no-image',
        modelContent: { api: 'interactions', steps: [{ type: 'thought', signature: 's', summary: [{ type: 'image', data: draft, mime_type: 'image/png' }] }, { type: 'model_output', content: [{ type: 'text', text: 'words' }] }], interaction: { id: 'v1_a', createdAt: '2026-12-01T00:00:00.000Z' } },
        text: 'words',
        finishReason: undefined,
        usage: {},
        sources: [],
      });
    expect((await answer('AAAA')).notReplayable).toMatch(/an interim image could not be read/);
    expect((await answer('')).notReplayable).toMatch(/an interim image could not be read/);
  });
});
