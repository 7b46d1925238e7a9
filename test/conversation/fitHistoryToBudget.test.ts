import { describe, expect, it } from 'vitest';
import { approximateBytes, fitHistoryToBudget } from '../../src/conversation/fitHistoryToBudget.js';
import type { GeminiContent } from '../../src/gemini/geminiTypes.js';

const user = (text: string): GeminiContent => ({ role: 'user', parts: [{ text }] });
const model = (imageBytes: number): GeminiContent => ({
  role: 'model',
  parts: [{ inlineData: { mimeType: 'image/jpeg', data: 'A'.repeat(imageBytes) }, thoughtSignature: 'sig' }],
});

describe('keeping a request under the size budget', () => {
  const history = [user('one'), model(1000), user('two'), model(1000), user('three'), model(1000)];

  it('sends everything when it fits', () => {
    expect(fitHistoryToBudget(history, user('four'), 10_000)).toEqual({ contents: [...history, user('four')], droppedExchanges: 0 });
  });

  it('leaves out the oldest whole exchanges first, so the history still starts with a user turn', () => {
    const fitted = fitHistoryToBudget(history, user('four'), 1_500)!;
    expect(fitted.droppedExchanges).toBe(2);
    expect(fitted.contents).toEqual([user('three'), history[5], user('four')]);
  });

  it('gives up when the new turn alone is over the budget', () => {
    expect(fitHistoryToBudget(history, { role: 'user', parts: model(5000).parts }, 1000)).toBeUndefined();
  });

  it('counts image data close to its real serialized size', () => {
    const content = model(100_000);
    const real = JSON.stringify(content).length;
    expect(Math.abs(approximateBytes(content) - real)).toBeLessThan(200);
  });
});
