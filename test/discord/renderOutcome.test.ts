import { describe, expect, it } from 'vitest';
import { fileExtension, renderOutcome, threadName, trimContent } from '../../src/discord/renderOutcome.js';

describe('what the user reads', () => {
  it('tells a store that did not answer apart from saved images that are gone: only the first is worth retrying', () => {
    const failed = (storeFailed: boolean) => renderOutcome({ kind: 'failed', failure: { kind: 'unsendable', message: 'x', storeFailed } }).content;
    expect(failed(true)).toMatch(/^My storage did not answer .* Please try again in a moment; the conversation is intact\.$/);
    expect(failed(false)).toBe('I could not read the saved images of this conversation, so I could not send it to Gemini.');
  });

  it('attaches each image named and typed by what its bytes are, whatever type it declared', () => {
    const rendered = renderOutcome({
      kind: 'images',
      modelContent: { api: 'generate-content', content: { role: 'model', parts: [] } },
      images: [
        { mimeType: 'image/jpeg', declaredMimeType: 'image/jpeg', base64: Buffer.from('jpeg').toString('base64'), bytes: Buffer.from('jpeg'), width: 1, height: 1 },
        { mimeType: 'image/jpeg', declaredMimeType: 'image/png', base64: Buffer.from('jpeg too').toString('base64'), bytes: Buffer.from('jpeg too'), width: 1, height: 1 },
        { mimeType: 'image/png', declaredMimeType: 'image/png', base64: Buffer.from('png').toString('base64'), bytes: Buffer.from('png'), width: 1, height: 1 },
      ],
      text: 'Here you go',
      usage: {},
      sources: [],
      unreadable: [],
      notReplayable: undefined,
    });
    expect(rendered.content).toBe('Here you go');
    expect(rendered.files.map((file) => [file.name, file.mimeType])).toEqual([
      ['image-1.jpg', 'image/jpeg'],
      ['image-2.jpg', 'image/jpeg'],
      ['image-3.png', 'image/png'],
    ]);
    expect(rendered.files[0]?.data.toString()).toBe('jpeg');
    expect(fileExtension('image/webp')).toBe('webp');
    expect(fileExtension('application/weird')).toBe('img');
  });

  it('explains a text-only answer and quotes the model', () => {
    const rendered = renderOutcome({ kind: 'no-image', modelContent: undefined, text: 'Which fox?', finishReason: 'STOP', usage: {}, sources: [] });
    expect(rendered.content).toContain('without an image');
    expect(rendered.content).toContain('Which fox?');
    expect(rendered.files).toEqual([]);
  });

  it('says which images Gemini sent could not be read: none, or some left out of the answer', () => {
    expect(renderOutcome({ kind: 'image-unreadable', images: 1, problems: ['not-base64'], usage: {} }).content).toBe('Gemini sent an image I could not read; please try again.');
    const partial = renderOutcome(
      {
        kind: 'images',
        modelContent: { api: 'generate-content', content: { role: 'model', parts: [] } },
        images: [{ mimeType: 'image/png', declaredMimeType: 'image/png', base64: Buffer.from('png').toString('base64'), bytes: Buffer.from('png'), width: 1, height: 1 }],
        text: 'Two foxes',
        usage: {},
        sources: [],
        unreadable: ['undecodable', 'not-an-image'],
        notReplayable: '2 image(s) could not be read',
      },
      ['Asked by someone'],
    );
    expect(partial.content).toBe('Two foxes\n-# 2 of the images Gemini sent could not be read and were left out.\n-# Asked by someone');
    expect(partial.files).toHaveLength(1);
  });

  it('says a refusal in words, never as JSON or a bare status', () => {
    const blocked = renderOutcome({ kind: 'blocked', stage: 'prompt', reason: 'PROHIBITED_CONTENT', text: '', usage: {} });
    expect(blocked.content).toBe('Gemini refused this request (prohibited content): it asks for content Gemini never makes. Ask for something else.');
    const failed = renderOutcome({ kind: 'failed', failure: { kind: 'http', status: 503, apiStatus: 'UNAVAILABLE', message: 'x' } });
    expect(failed.content).toMatch(/try again/i);
    expect(failed.content).not.toMatch(/503|\{/);
  });

  it('keeps every message within Discord\'s 2,000 characters and marks the cut', () => {
    const long = 'word '.repeat(1000);
    const trimmed = trimContent(long);
    expect(trimmed.length).toBeLessThanOrEqual(2000);
    expect(trimmed.endsWith('…')).toBe(true);
    const rendered = renderOutcome({
      kind: 'images',
      modelContent: { api: 'generate-content', content: { role: 'model', parts: [] } },
      images: [],
      text: long,
      usage: {},
      sources: [],
      unreadable: [],
      notReplayable: undefined,
    });
    expect(rendered.content.length).toBeLessThanOrEqual(2000);
  });

  it('names a thread from the prompt in at most 100 characters', () => {
    expect(threadName('  a watercolor\nfox  ')).toBe('a watercolor fox');
    expect(threadName('x'.repeat(300))).toHaveLength(100);
    expect(threadName('')).toBe('Image');
    expect(threadName(`${'a'.repeat(98)}🦊🦊`)).toBe(`${'a'.repeat(98)}…`); // never half an emoji
  });
});
