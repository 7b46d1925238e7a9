import { describe, expect, it } from 'vitest';
import { fileExtension, renderOutcome, threadName, trimContent } from '../../src/discord/renderOutcome.js';

describe('what the user reads', () => {
  it('attaches each image with an extension from its own MIME type', () => {
    const rendered = renderOutcome({
      kind: 'images',
      modelContent: { role: 'model', parts: [] },
      images: [
        { mimeType: 'image/jpeg', base64: Buffer.from('jpeg').toString('base64') },
        { mimeType: 'image/png', base64: Buffer.from('png').toString('base64') },
      ],
      text: 'Here you go',
      usage: {},
      sources: [],
    });
    expect(rendered.content).toBe('Here you go');
    expect(rendered.files.map((file) => file.name)).toEqual(['image-1.jpg', 'image-2.png']);
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
      modelContent: { role: 'model', parts: [] },
      images: [],
      text: long,
      usage: {},
      sources: [],
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
