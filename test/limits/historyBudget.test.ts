import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../src/conversation/conversationRecord.js';
import { contentBytes, lostImageExchanges, oldestToDrop, storedExchangeSizes } from '../../src/limits/historyBudget.js';
import { StoredImagePart } from '../../src/conversation/outgoingParts.js';
import type { GeminiContent } from '../../src/gemini/geminiTypes.js';

const sha = 'a'.repeat(64);
/** `imageLength` 'gone': the store had lost the image when the record was migrated. */
function exchange(imageLength: number | 'gone', thoughtImageLength = 0): Exchange {
  const image = (length: number | 'gone', thought: boolean) => ({
    raw: { inlineData: { mimeType: 'image/jpeg', data: '' }, ...(thought ? { thought: true } : { thoughtSignature: 'sig' }) },
    blob: length === 'gone' ? { sha256: sha, field: 'inlineData' as const, gone: true as const } : { sha256: sha, field: 'inlineData' as const, length },
  });
  return {
    user: { authorId: '1', parts: [{ raw: { text: 'make it blue' } }] },
    model: {
      api: 'generate-content',
      contentFields: { role: 'model' },
      parts: [...(thoughtImageLength ? [image(thoughtImageLength, true)] : []), image(imageLength, false)],
      messageId: '2',
    },
    settings: {},
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

  it('counts an image gone from the store as nothing, and leaves out every exchange up to the last that lost one', () => {
    const [, gone] = storedExchangeSizes([exchange(10), exchange('gone')]);
    const [, kept] = storedExchangeSizes([exchange(10), exchange(0)]);
    expect(gone).toBe(kept);
    expect(lostImageExchanges([exchange(10), exchange('gone'), exchange(10)])).toBe(2);
    expect(lostImageExchanges([exchange('gone'), exchange('gone'), exchange(10)])).toBe(2);
    expect(lostImageExchanges([exchange(10), exchange(10)])).toBe(0);
  });

  it('leaves out the fewest oldest exchanges that make the request fit', () => {
    expect(oldestToDrop([1_000, 1_000, 1_000], 100, 10_000)).toBe(0);
    expect(oldestToDrop([1_000, 1_000, 1_000], 100, 1_500)).toBe(2);
    expect(oldestToDrop([1_000, 1_000, 1_000], 100, 50)).toBeUndefined();
    expect(oldestToDrop([], 100, 100)).toBe(0);
  });

  it('measures a content close to its real serialized length, its image counted without serializing it', () => {
    const content: GeminiContent = { role: 'model', parts: [{ text: 'Here it is' }, { inlineData: { mimeType: 'image/jpeg', data: 'A'.repeat(100_000) }, thoughtSignature: 'sig' }] };
    expect(Math.abs(contentBytes(content.parts) - JSON.stringify(content).length)).toBeLessThan(40);
  });

  it('measures an image alike whether it is on hand or still in the store', () => {
    const onHand = { inlineData: { mimeType: 'image/jpeg', data: 'A'.repeat(100_000) }, thoughtSignature: 'sig' };
    const stored = new StoredImagePart({ inlineData: { mimeType: 'image/jpeg', data: '' }, thoughtSignature: 'sig' }, { sha256: sha, field: 'inlineData', length: 100_000 });
    expect(contentBytes([stored])).toBe(contentBytes([onHand]));
    expect(contentBytes([{ text: 'make it blue' }, stored])).toBe(contentBytes([{ text: 'make it blue' }, onHand]));
  });
});
