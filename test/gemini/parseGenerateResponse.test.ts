import { describe, expect, it } from 'vitest';
import { parseGenerateResponse } from '../../src/gemini/parseGenerateResponse.js';

const jpegBase64 = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]).toString('base64');

describe('reading a Gemini answer', () => {
  it('finds the final image and text, skips thought parts, and keeps the raw content for replay', () => {
    const content = {
      role: 'model',
      parts: [
        { text: 'Planning the fox', thought: true },
        { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' }, thought: true },
        { text: 'Here is your fox.', thoughtSignature: 'sig-1' },
        { inlineData: { mimeType: 'image/jpeg', data: jpegBase64 }, thoughtSignature: 'sig-2', somethingNew: { a: 1 } },
      ],
    };
    const outcome = parseGenerateResponse({
      candidates: [{ content, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 1120, totalTokenCount: 1130 },
    });
    expect(outcome.kind).toBe('images');
    if (outcome.kind !== 'images') return;
    expect(outcome.images).toEqual([{ mimeType: 'image/jpeg', base64: jpegBase64 }]);
    expect(outcome.text).toBe('Here is your fox.');
    expect(outcome.modelContent).toEqual({ api: 'generate-content', content });
    expect(outcome.usage).toEqual({ promptTokens: 10, outputTokens: 1120, thoughtTokens: undefined, totalTokens: 1130 });
  });

  it('joins text pieces as they came, but keeps the texts before and after an image apart', () => {
    const image = { inlineData: { mimeType: 'image/jpeg', data: jpegBase64 } };
    const outcome = parseGenerateResponse({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ text: 'Here is the im' }, { text: 'age.' }, image, { text: '', thoughtSignature: 's' }, { text: 'Hope you ' }, { text: 'like it.' }, image, { text: '' }],
          },
          finishReason: 'STOP',
        },
      ],
    });
    expect(outcome.kind === 'images' && outcome.text).toBe('Here is the image.\nHope you like it.');
  });

  it('accepts snake_case answers and keeps their spelling for replay', () => {
    const part = { inline_data: { mime_type: 'image/jpeg', data: jpegBase64 }, thought_signature: 'sig' };
    const outcome = parseGenerateResponse({
      candidates: [{ content: { role: 'model', parts: [part] }, finish_reason: 'STOP' }],
      usage_metadata: { prompt_token_count: 3 },
    });
    expect(outcome.kind).toBe('images');
    if (outcome.kind !== 'images') return;
    expect(outcome.modelContent).toEqual({ api: 'generate-content', content: { role: 'model', parts: [part] } });
    expect(outcome.images[0]?.mimeType).toBe('image/jpeg');
    expect(outcome.usage.promptTokens).toBe(3);
  });

  it('reports a refused prompt with its reason', () => {
    expect(parseGenerateResponse({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' } })).toMatchObject({
      kind: 'blocked',
      stage: 'prompt',
      reason: 'PROHIBITED_CONTENT',
    });
  });

  it('reports a filtered image with its finish reason', () => {
    const outcome = parseGenerateResponse({
      candidates: [{ content: { role: 'model', parts: [{ text: 'I cannot make that.' }] }, finishReason: 'IMAGE_SAFETY' }],
    });
    expect(outcome).toMatchObject({ kind: 'blocked', stage: 'response', reason: 'IMAGE_SAFETY', text: 'I cannot make that.' });
  });

  it('treats a text-only STOP as "no image" and keeps the text', () => {
    const outcome = parseGenerateResponse({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Which fox?', thoughtSignature: 's' }] }, finishReason: 'STOP' }],
    });
    expect(outcome).toMatchObject({ kind: 'no-image', text: 'Which fox?', finishReason: 'STOP' });
  });

  it('treats an empty candidate list as "no image" rather than crashing', () => {
    expect(parseGenerateResponse({ candidates: [] })).toMatchObject({ kind: 'no-image', text: '' });
  });

  it('reports a body that is not a response object as malformed', () => {
    expect(parseGenerateResponse('oops')).toMatchObject({ kind: 'failed', failure: { kind: 'malformed' } });
    expect(parseGenerateResponse({ candidates: 'nope' })).toMatchObject({ kind: 'failed' });
  });

  it('lists the web pages grounding used, once each, http(s) only', () => {
    const outcome = parseGenerateResponse({
      candidates: [
        {
          content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: jpegBase64 }, thoughtSignature: 's' }] },
          finishReason: 'STOP',
          grounding_metadata: {
            grounding_chunks: [
              { web: { uri: 'https://a.example/page', title: 'A' } },
              { web: { uri: 'https://a.example/page', title: 'A again' } },
              { web: { uri: 'javascript:alert(1)', title: 'bad' } },
              { web: { uri: 'https://', title: 'no host' } },
              { web: { uri: 'https://exa mple.com/x' } },
              { web: { uri: 'https://b.example/x' } },
              { retrievedContext: {} },
            ],
          },
        },
      ],
    });
    expect(outcome.kind === 'images' && outcome.sources).toEqual([
      { uri: 'https://a.example/page', title: 'A' },
      { uri: 'https://b.example/x', title: 'b.example' },
    ]);
  });
});
