import { describe, expect, it } from 'vitest';
import { PriceTable } from '../../src/usage/priceTable.js';

describe('the price table', () => {
  it('prices Gemini 3 Pro Image as Google lists it: $0.134 per 1K or 2K image, $0.24 at 4K, $2 per million input tokens', () => {
    const prices = new PriceTable();
    expect(prices.estimateCost({ model: 'gemini-3-pro-image', imageSize: '1K', images: 1, promptTokens: 0 })).toBe(0.134);
    expect(prices.estimateCost({ model: 'gemini-3-pro-image', imageSize: '2K', images: 2, promptTokens: 0 })).toBe(0.268);
    expect(prices.estimateCost({ model: 'gemini-3-pro-image', imageSize: '4K', images: 1, promptTokens: 1_000_000 })).toBe(2.24);
  });

  it('prices an image of unspecified size as 1K, Gemini\'s default, and a refusal by its input tokens alone', () => {
    const prices = new PriceTable();
    expect(prices.estimateCost({ model: 'gemini-3-pro-image', imageSize: undefined, images: 1, promptTokens: undefined })).toBe(0.134);
    expect(prices.estimateCost({ model: 'gemini-3-pro-image', imageSize: '4K', images: 0, promptTokens: 500 })).toBe(0.001);
  });

  it('charges an unknown model the most expensive known price, so a budget is never underestimated', () => {
    const prices = new PriceTable({ 'gemini-3.1-flash-image': { '1K': 0.5 } });
    expect(prices.priceOf('gemini-9-ultra-image')).toEqual({ '512': 0.134, '1K': 0.5, '2K': 0.134, '4K': 0.24, inputPerMillionTokens: 2 });
  });

  it('lets PRICE_TABLE override single prices and add models', () => {
    const prices = new PriceTable({ 'gemini-3-pro-image': { '4K': 0.3 }, 'my-tuned-image': { '1K': 0.01, '2K': 0.02, '4K': 0.04, inputPerMillionTokens: 1 } });
    expect(prices.priceOf('gemini-3-pro-image')).toEqual({ '512': 0.134, '1K': 0.134, '2K': 0.134, '4K': 0.3, inputPerMillionTokens: 2 });
    expect(prices.priceOf('my-tuned-image')['2K']).toBe(0.02);
  });

  it('prices Gemini 3.1 Flash Image\'s 512 size at its own price, cheaper than 1K', () => {
    const prices = new PriceTable();
    expect(prices.estimateCost({ model: 'gemini-3.1-flash-image', imageSize: '512', images: 2, promptTokens: 0 })).toBe(0.09);
    expect(prices.estimateCost({ model: 'gemini-3.1-flash-image', imageSize: '1K', images: 1, promptTokens: 0 })).toBe(0.067);
  });

  it('reserves one image plus 50,000 input tokens as the worst case', () => {
    const prices = new PriceTable();
    expect(prices.worstCaseCost('gemini-3-pro-image', '4K')).toBeCloseTo(0.24 + 0.1, 6);
  });


  it('holds a long thread\'s real input instead of the default allowance when it is larger', () => {
    const prices = new PriceTable();
    const atDefault = prices.worstCaseCost('gemini-3-pro-image', '1K');
    expect(prices.worstCaseCost('gemini-3-pro-image', '1K', 10_000)).toBe(atDefault); // never less than the allowance
    expect(prices.worstCaseCost('gemini-3-pro-image', '1K', 200_000)).toBeCloseTo(0.134 + 0.4, 6);
  });
});
