import { describe, expect, it } from 'vitest';
import { parseInteraction } from '../../src/gemini/parseInteraction.js';

const PNG = 'iVBORw0KGgo=';
/** When, on our clock, the request that made the interaction started. */
const AT = '2026-12-01T00:00:00.000Z';
const image = { type: 'image', data: PNG, mime_type: 'image/png' };
const text = (words: string, annotations?: unknown[]) => ({ type: 'text', text: words, ...(annotations ? { annotations } : {}) });
const output = (...content: unknown[]) => ({ type: 'model_output', content });
const interaction = (status: string | undefined, ...steps: unknown[]) => ({ id: 'v1_abc', ...(status ? { status } : {}), steps, usage: { total_tokens: 12 } });

describe('parseInteraction: each status into the closed set', () => {
  it('completed with an image: images, the model content kept for the next turn', () => {
    const parsed = parseInteraction(interaction('completed', output(text('Here it is.'), image)), AT);
    expect(parsed).toMatchObject({ ok: true, id: 'v1_abc', status: 'completed', stepError: undefined, outcome: { kind: 'images', text: 'Here it is.', images: [{ mimeType: 'image/png', base64: PNG }], usage: { totalTokens: 12 } } });
    // Kept exactly, with the interaction Google keeps for it (the retention counted from our clock's start of the request).
    expect(parsed.ok && parsed.outcome.kind === 'images' && parsed.outcome.modelContent).toEqual({ api: 'interactions', steps: [output(text('Here it is.'), image)], interaction: { id: 'v1_abc', createdAt: AT } });
  });

  it('incomplete with an image: the image is the answer, kept like a completed one', () => {
    const parsed = parseInteraction(interaction('incomplete', output(image)), AT);
    expect(parsed).toMatchObject({ ok: true, status: 'incomplete', outcome: { kind: 'images', images: [{ base64: PNG }] } });
  });

  it('incomplete with words only: no image, as generateContent\'s MAX_TOKENS, and kept (its steps replay)', () => {
    const parsed = parseInteraction(interaction('incomplete', output(text('I ran out of'))), AT);
    expect(parsed).toMatchObject({ ok: true, status: 'incomplete', outcome: { kind: 'no-image', finishReason: 'MAX_TOKENS', text: 'I ran out of' } });
    expect(parsed.ok && parsed.outcome.kind === 'no-image' && parsed.outcome.modelContent).toBeTruthy();
  });

  it('a status this bot does not know: no image under that status\'s name, never kept, whatever it holds', () => {
    const parsed = parseInteraction(interaction('requires_action', output(text('Shall I?'), image)), AT);
    expect(parsed).toMatchObject({ ok: true, status: 'requires_action', outcome: { kind: 'no-image', finishReason: 'REQUIRES_ACTION', modelContent: undefined, text: 'Shall I?' } });
    // No status at all reads as an unknown one.
    expect(parseInteraction(interaction(undefined, output(image)), AT)).toMatchObject({ ok: true, status: 'unknown', outcome: { kind: 'no-image', finishReason: 'UNKNOWN', modelContent: undefined } });
  });

  it('an answer without its id is malformed: nothing could continue from it, nor delete it', () => {
    const { id: _id, ...withoutId } = interaction('completed', output(image));
    expect(parseInteraction(withoutId, AT)).toEqual({ ok: false, outcome: { kind: 'failed', failure: { kind: 'malformed', message: 'Gemini answered with an unexpected shape' } } });
    expect(parseInteraction({ ...withoutId, id: '' }, AT)).toMatchObject({ ok: false });
  });
});

describe('parseInteraction: the words and sources shown', () => {
  it('joins text pieces as they came, and text on either side of an image on lines of their own', () => {
    const parsed = parseInteraction(interaction('completed', output(text('A fox '), text('in snow.'), image, text('And one more.'), image)), AT);
    expect(parsed.ok && parsed.outcome.kind === 'images' && parsed.outcome.text).toBe('A fox in snow.\nAnd one more.');
  });

  it('lists each cited web page once, only http(s), titled by the page or else its host', () => {
    const parsed = parseInteraction(interaction('completed', output(
      text('Cited.', [
        { type: 'url_citation', url: 'https://example.com/a', title: ' A page ' },
        { type: 'url_citation', url: 'https://example.com/a', title: 'again' },
        { type: 'url_citation', url: 'javascript:alert(1)', title: 'no' },
        { type: 'url_citation', url: 'https://', title: 'no URL' },
      ]),
      image,
      text('More.', [{ type: 'url_citation', url: 'http://example.org/b' }]),
    )), AT);
    expect(parsed.ok && parsed.outcome.kind === 'images' && parsed.outcome.sources).toEqual([
      { uri: 'https://example.com/a', title: 'A page' },
      { uri: 'http://example.org/b', title: 'example.org' },
    ]);
  });
});
