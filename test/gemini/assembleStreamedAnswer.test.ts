import { describe, expect, it } from 'vitest';
import { assembleStreamedAnswer } from '../../src/gemini/assembleStreamedAnswer.js';
import { parseGenerateResponse } from '../../src/gemini/parseGenerateResponse.js';

const jpeg = (fill: number) => Buffer.from([0xff, 0xd8, 0xff, 0xe0, fill, fill, 0xff, 0xd9]).toString('base64');

function assemble(chunks: unknown[]) {
  const answer = assembleStreamedAnswer();
  const added = chunks.map((chunk) => answer.add(chunk));
  return { answer, added };
}

/** Gemini 3 Pro Image streaming a drawing: thoughts, two sketches, the answer, then an empty text part carrying a signature. */
const streamed: Array<{ candidates: Array<{ content: { role: string; parts: Array<Record<string, unknown>> } } & Record<string, unknown>> } & Record<string, unknown>> = [
  { candidates: [{ content: { role: 'model', parts: [{ text: '**Planning the fox**\n\nLayout first.', thought: true }] }, index: 0 }], modelVersion: 'gemini-3-pro-image', responseId: 'r1' },
  { candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: jpeg(1) }, thought: true }] }, index: 0 }], modelVersion: 'gemini-3-pro-image' },
  { candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: jpeg(2) }, thought: true }] }, index: 0 }] },
  { candidates: [{ content: { role: 'model', parts: [{ text: 'Here is ', thoughtSignature: 'sig-text' }] }, index: 0 }] },
  { candidates: [{ content: { role: 'model', parts: [{ text: 'your fox.' }, { inlineData: { mimeType: 'image/jpeg', data: jpeg(3) }, thoughtSignature: 'sig-image', future: 1 }] }, index: 0 }] },
  {
    candidates: [
      {
        content: { role: 'model', parts: [{ text: '', thoughtSignature: 'sig-empty' }] },
        finishReason: 'STOP',
        index: 0,
        groundingMetadata: { groundingChunks: [{ web: { uri: 'https://example.com/a', title: 'A' } }] },
      },
    ],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 1290, totalTokenCount: 1302 },
  },
];

/** The same answer in one piece, as generateContent would give it. */
const whole = {
  candidates: [
    {
      content: { role: 'model', parts: streamed.flatMap((chunk) => chunk.candidates[0]!.content.parts) },
      finishReason: 'STOP',
      index: 0,
      groundingMetadata: { groundingChunks: [{ web: { uri: 'https://example.com/a', title: 'A' } }] },
    },
  ],
  usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 1290, totalTokenCount: 1302 },
  modelVersion: 'gemini-3-pro-image',
  responseId: 'r1',
};

describe('a streamed answer put back together', () => {
  it("is one model content with every chunk's parts in arrival order, exactly as sent, the empty signed text part included", () => {
    const { answer } = assemble(streamed);
    expect(answer.finished()).toBe(true);
    expect(answer.response()).toEqual(whole);
    const content = (answer.response() as typeof whole).candidates[0]!.content;
    expect(content.parts.at(-1)).toEqual({ text: '', thoughtSignature: 'sig-empty' });
    expect(content.parts.map((part) => part['thoughtSignature']).filter(Boolean)).toEqual(['sig-text', 'sig-image', 'sig-empty']);
  });

  it('is classified exactly like the same answer in one piece: the same outcome, the same content to store', () => {
    const { answer } = assemble(streamed);
    const fromStream = parseGenerateResponse(answer.response());
    expect(fromStream).toEqual(parseGenerateResponse(whole));
    expect(fromStream).toMatchObject({ kind: 'images', text: 'Here is your fox.', sources: [{ uri: 'https://example.com/a', title: 'A' }], usage: { promptTokens: 12 } });
  });

  it('hands back the parts each chunk brought, for the previews', () => {
    const { added } = assemble(streamed);
    expect(added.map((parts) => parts.length)).toEqual([1, 1, 1, 1, 2, 1]);
    expect(added[1]).toEqual([{ inlineData: { mimeType: 'image/jpeg', data: jpeg(1) }, thought: true }]);
  });

  it('keeps snake_case as sent, and reads its finish reason', () => {
    const { answer } = assemble([
      { candidates: [{ content: { role: 'model', parts: [{ inline_data: { mime_type: 'image/jpeg', data: jpeg(4) }, thought_signature: 's' }] } }] },
      { candidates: [{ finish_reason: 'STOP' }], usage_metadata: { prompt_token_count: 3 } },
    ]);
    expect(answer.finished()).toBe(true);
    expect(answer.response()).toEqual({
      candidates: [{ content: { role: 'model', parts: [{ inline_data: { mime_type: 'image/jpeg', data: jpeg(4) }, thought_signature: 's' }] }, finish_reason: 'STOP' }],
      usage_metadata: { prompt_token_count: 3 },
    });
  });

  it('is a prompt block when Gemini refused the prompt in its only chunk', () => {
    const { answer } = assemble([{ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 5 } }]);
    expect(answer.finished()).toBe(true);
    expect(parseGenerateResponse(answer.response())).toMatchObject({ kind: 'blocked', stage: 'prompt', reason: 'PROHIBITED_CONTENT' });
  });

  it('is a safety block when the last chunk stops the image after sketches and thoughts', () => {
    const { answer } = assemble([streamed[0], streamed[1], { candidates: [{ finishReason: 'IMAGE_SAFETY', index: 0 }] }]);
    expect(answer.finished()).toBe(true);
    expect(parseGenerateResponse(answer.response())).toMatchObject({ kind: 'blocked', stage: 'response', reason: 'IMAGE_SAFETY' });
  });

  it('is finished, without an answer, when Gemini sent an empty candidate list', () => {
    const { answer } = assemble([{ candidates: [], usageMetadata: { promptTokenCount: 4 } }]);
    expect(answer.finished()).toBe(true);
    expect(parseGenerateResponse(answer.response())).toMatchObject({ kind: 'no-image', modelContent: undefined });
  });

  it('is not finished when the stream stopped before a finish reason (cut), however much came', () => {
    expect(assemble(streamed.slice(0, 5)).answer.finished()).toBe(false);
    expect(assemble([]).answer.finished()).toBe(false);
  });

  it('is malformed, like such an answer in one piece, when a chunk is not a GenerateContentResponse', () => {
    for (const bad of [[1], 'text', { candidates: 'none' }, { candidates: [{ content: { parts: 'x' } }] }, { candidates: [7] }]) {
      const { answer } = assemble([streamed[0], bad]);
      expect(parseGenerateResponse(answer.response())).toMatchObject({ kind: 'failed', failure: { kind: 'malformed' } });
    }
  });
});
