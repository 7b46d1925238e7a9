import { describe, expect, it } from 'vitest';
import { buildGenerateRequest } from '../../src/gemini/buildGenerateRequest.js';

describe('building a generateContent request', () => {
  const contents = [{ role: 'user' as const, parts: [{ text: 'a watercolor fox' }] }];

  it('asks for text and image output and passes the chosen aspect ratio and size', () => {
    expect(buildGenerateRequest(contents, { aspectRatio: '16:9', imageSize: '2K' })).toEqual({
      contents,
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9', imageSize: '2K' } },
    });
  });

  it('omits what the user did not choose', () => {
    expect(buildGenerateRequest(contents, {})).toEqual({ contents, generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } });
    expect(buildGenerateRequest(contents, { imageSize: '4K' }).generationConfig.imageConfig).toEqual({ imageSize: '4K' });
  });

  it("asks for Gemini's thoughts (its drafts) only when told to", () => {
    expect(buildGenerateRequest(contents, {}, { includeThoughts: true }).generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], thinkingConfig: { includeThoughts: true } });
    expect(buildGenerateRequest(contents, {}, { includeThoughts: false }).generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'] });
  });

  it('keeps replayed model parts untouched, unknown fields and signatures included', () => {
    const model = {
      role: 'model' as const,
      parts: [{ text: 'thinking', thought: true }, { inline_data: { mime_type: 'image/jpeg', data: 'AAA' }, thought_signature: 'sig', futureField: 1 }],
    };
    const body = buildGenerateRequest([...contents, model, ...contents], {});
    expect(body.contents[1]).toBe(model);
  });
});
