import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/conversation/conversationRecord.js';
import { approximateBytes, oldestToDrop, storedExchangeSizes, storedFinalImageBytes } from '../../src/conversation/historySizes.js';
import type { GeminiContent } from '../../src/gemini/geminiTypes.js';

const sha = 'a'.repeat(64);
function exchange(imageLength: number | undefined, thoughtImageLength = 0): Exchange {
  const image = (length: number | undefined, thought: boolean) => ({
    raw: { inlineData: { mimeType: 'image/jpeg', data: '' }, ...(thought ? { thought: true } : { thoughtSignature: 'sig' }) },
    blob: { sha256: sha, field: 'inlineData' as const, ...(length === undefined ? {} : { length }) },
  });
  return {
    user: { authorId: '1', parts: [{ raw: { text: 'make it blue' } }] },
    model: {
      contentFields: { role: 'model' },
      parts: [...(thoughtImageLength ? [image(thoughtImageLength, true)] : []), image(imageLength, false)],
      messageId: '2',
    },
    createdAt: new Date(0).toISOString(),
  };
}

describe('sizing a history before loading it', () => {
  it('reads each exchange\'s size from the record, images included, close to its real request size', () => {
    const [size] = storedExchangeSizes([exchange(100_000)])!;
    const real = JSON.stringify([
      { role: 'user', parts: [{ text: 'make it blue' }] },
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: 'A'.repeat(100_000) }, thoughtSignature: 'sig' }] },
    ]).length;
    expect(Math.abs(size! - real)).toBeLessThan(300);
  });

  it('says it cannot when an older record lacks the image lengths', () => {
    expect(storedExchangeSizes([exchange(10), exchange(undefined)])).toBeUndefined();
  });

  it('counts only the final images as what a re-send costs', () => {
    expect(storedFinalImageBytes(exchange(1_000, 50_000))).toBe(1_096);
  });

  it('leaves out the fewest oldest exchanges that make the request fit', () => {
    expect(oldestToDrop([1_000, 1_000, 1_000], 100, 10_000)).toBe(0);
    expect(oldestToDrop([1_000, 1_000, 1_000], 100, 1_500)).toBe(2);
    expect(oldestToDrop([1_000, 1_000, 1_000], 100, 50)).toBeUndefined();
    expect(oldestToDrop([], 100, 100)).toBe(0);
  });

  it('measures a loaded content like the stored sizes do', () => {
    const content: GeminiContent = { role: 'model', parts: [{ inlineData: { mimeType: 'image/jpeg', data: 'A'.repeat(100_000) }, thoughtSignature: 'sig' }] };
    expect(Math.abs(approximateBytes(content) - JSON.stringify(content).length)).toBeLessThan(200);
  });
});
