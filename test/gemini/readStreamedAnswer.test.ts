import { describe, expect, it } from 'vitest';
import type { GeminiFailure } from '../../src/gemini/generationOutcome.js';
import { trackInterimImages, type InterimPreview } from '../../src/gemini/interimPreview.js';
import { readStreamedAnswer } from '../../src/gemini/readStreamedAnswer.js';

const jpeg = (fill: number) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, fill, 0xff, 0xd9]).toString('base64');
const part = (value: Record<string, unknown>) => ({ candidates: [{ content: { role: 'model', parts: [value] }, index: 0 }] });

async function* sse(...chunks: unknown[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield Buffer.from(typeof chunk === 'string' ? chunk : `data: ${JSON.stringify(chunk)}\r\n\r\n`);
}

/** Every event that is an error body is read as a 503 with its message, as the client reads them. */
const readError = (chunk: unknown): GeminiFailure | undefined =>
  typeof chunk === 'object' && chunk !== null && 'error' in chunk ? { kind: 'http', status: 503, apiStatus: 'UNAVAILABLE', message: 'overloaded' } : undefined;

describe('reading a streamed answer', () => {
  it('shows each interim image as it arrives, numbered, with the latest thought as one line; final images are no sketch', async () => {
    const previews: InterimPreview[] = [];
    const result = await readStreamedAnswer(
      sse(
        part({ text: 'Looking at the *fox*\nfirst', thought: true }),
        part({ inlineData: { mimeType: 'image/jpeg', data: jpeg(1) }, thought: true }),
        part({ text: '**Refining the light**\n\n', thought: true }),
        part({ text: 'I am softening the shadows.', thought: true }),
        part({ inlineData: { mimeType: 'image/jpeg', data: jpeg(2) }, thought: true }),
        { candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: jpeg(3) }, thoughtSignature: 's' }] }, finishReason: 'STOP' }] },
      ),
      readError,
      (preview) => previews.push(preview),
    );
    expect(result.ok).toBe(true);
    expect(previews).toEqual([
      { sketch: { number: 1, image: { mimeType: 'image/jpeg', base64: jpeg(1) } }, thought: 'Looking at the fox' },
      { sketch: { number: 2, image: { mimeType: 'image/jpeg', base64: jpeg(2) } }, thought: 'Refining the light' },
    ]);
  });

  it('reads the status line from the thought text joined since the last sketch: a heading cut across chunks is whole', async () => {
    const previews: InterimPreview[] = [];
    await readStreamedAnswer(
      sse(
        part({ text: '**Refin', thought: true }),
        part({ text: 'ing the light**\n\nSoftening', thought: true }),
        part({ text: ' the shadows.', thought: true }),
        part({ inlineData: { mimeType: 'image/jpeg', data: jpeg(1) }, thought: true }),
        part({ text: 'more about the light', thought: true }),
        part({ inlineData: { mimeType: 'image/jpeg', data: jpeg(2) }, thought: true }),
        part({ text: 'Thinking about the ', thought: true }),
        part({ text: '**', thought: true }),
        part({ text: 'Adding snow**', thought: true }),
        part({ inlineData: { mimeType: 'image/jpeg', data: jpeg(3) }, thought: true }),
        { candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }] },
      ),
      readError,
      (preview) => previews.push(preview),
    );
    expect(previews.map((preview) => preview.thought)).toEqual(['Refining the light', 'Refining the light', 'Adding snow']);
  });

  it('is cut when the stream ends before Gemini finished, whatever it held', async () => {
    const result = await readStreamedAnswer(sse(part({ text: 'thinking', thought: true }), part({ inlineData: { mimeType: 'image/jpeg', data: jpeg(1) }, thought: true })), readError);
    expect(result).toEqual({ ok: false, failure: { kind: 'cut', message: 'the stream ended before Gemini finished its answer' } });
  });

  it('fails as Gemini says when an event is an error, even after sketches', async () => {
    const result = await readStreamedAnswer(sse(part({ text: 'x', thought: true }), { error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }), readError);
    expect(result).toEqual({ ok: false, failure: { kind: 'http', status: 503, apiStatus: 'UNAVAILABLE', message: 'overloaded' } });
  });

  it('keeps a finished answer when the connection fails after the chunk that finished it', async () => {
    async function* finishedThenBroken(): AsyncGenerator<Uint8Array> {
      yield* sse(part({ text: 'A fox.' }), { candidates: [{ content: { role: 'model', parts: [{ text: '', thoughtSignature: 's' }] }, finishReason: 'STOP' }] });
      throw new Error('other side closed');
    }
    const result = await readStreamedAnswer(finishedThenBroken(), readError);
    expect(result.ok).toBe(true);
    expect(result.ok && result.json).toMatchObject({ candidates: [{ finishReason: 'STOP', content: { parts: [{ text: 'A fox.' }, { text: '', thoughtSignature: 's' }] } }] });
  });

  it('is malformed when an event is not JSON', async () => {
    const result = await readStreamedAnswer(sse('data: {"candidates": [\r\n\r\n'), readError);
    expect(result).toMatchObject({ ok: false, failure: { kind: 'malformed' } });
  });
});

describe('the status line from a thought', () => {
  it('is the bold heading, else the first line, without markdown, and short', () => {
    /** The line a sketch is shown with when this thought text came before it in a new call. */
    const shownWith = (text: string) => trackInterimImages().add([{ text, thought: true }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' }, thought: true }])?.thought;
    expect(shownWith('**Composing the scene**\n\nThe fox sits left.')).toBe('Composing the scene');
    expect(shownWith('\n  Checking the _palette_ now\nmore')).toBe('Checking the palette now');
    expect(shownWith('   ')).toBeUndefined();
    expect(shownWith('word '.repeat(60))).toMatch(/^word word .*…$/);
    expect(shownWith('word '.repeat(60))?.length).toBeLessThanOrEqual(120);
  });

  it('starts over in a new call: sketches of a retried call count from 1 again', () => {
    const sketch = { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' }, thought: true };
    const first = trackInterimImages();
    first.add([sketch]);
    expect(first.add([sketch])?.sketch.number).toBe(2);
    expect(trackInterimImages().add([sketch])?.sketch.number).toBe(1);
    expect(trackInterimImages().add([{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }])).toBeUndefined();
  });
});
