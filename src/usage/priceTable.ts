import { z } from 'zod';
import type { ImageSize } from '../gemini/imageOptions.js';

/** What one model costs, in USD: per output image at each size, and per million input tokens. */
export interface ModelPrice {
  '512': number;
  '1K': number;
  '2K': number;
  '4K': number;
  inputPerMillionTokens: number;
}

/**
 * Built-in prices (paid tier). gemini-3-pro-image is from Google's price list
 * (FACTS.md): $0.134 per image at 1K and 2K, $0.24 at 4K, $2 per million
 * input tokens. gemini-3.1-flash-image is an ESTIMATE from its published
 * per-token image price (about $0.067 / $0.101 / $0.151 per 1K / 2K / 4K
 * image, $0.50 per million input tokens; $0.045 at 512): an admin should
 * confirm it and override it with PRICE_TABLE. gemini-3-pro-image makes no
 * 512 image (imageOptions.ts refuses the size before any call); its 512 price
 * is its 1K price, so a table lookup never finds a hole.
 */
const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gemini-3-pro-image': { '512': 0.134, '1K': 0.134, '2K': 0.134, '4K': 0.24, inputPerMillionTokens: 2 },
  'gemini-3.1-flash-image': { '512': 0.045, '1K': 0.067, '2K': 0.101, '4K': 0.151, inputPerMillionTokens: 0.5 },
};

/**
 * Input tokens a reservation holds money for before the real count is known:
 * 14 reference images (about 560 tokens each) plus a long replayed thread
 * fit well inside it. A larger request is charged in full when committed.
 */
const RESERVED_INPUT_TOKENS = 50_000;

const usd = z.number().nonnegative().finite();

/** PRICE_TABLE's shape: any model, any subset of its prices; unknown keys are a typo, so refused. */
export const priceOverridesSchema = z.record(
  z.string().min(1),
  z.strictObject({ '512': usd.optional(), '1K': usd.optional(), '2K': usd.optional(), '4K': usd.optional(), inputPerMillionTokens: usd.optional() }),
);
export type PriceOverrides = z.infer<typeof priceOverridesSchema>;

export interface CostInput {
  model: string;
  /** Undefined means Gemini's default size, 1K. */
  imageSize: ImageSize | undefined;
  /** Output images actually produced (interim "thought" images are not billed as output images). */
  images: number;
  promptTokens: number | undefined;
}

/** Prices per model, built-in values merged with the operator's PRICE_TABLE. Pure: no I/O, no clock. */
export class PriceTable {
  private readonly prices: ReadonlyMap<string, ModelPrice>;
  /** The highest of each price across known models: what an unknown model is assumed to cost. */
  private readonly ceiling: ModelPrice;

  constructor(overrides: PriceOverrides = {}) {
    const prices = new Map<string, ModelPrice>(Object.entries(DEFAULT_PRICES));
    for (const [model, override] of Object.entries(overrides)) {
      const base = prices.get(model) ?? maxPrice([...prices.values()]);
      prices.set(model, { ...base, ...definedPrices(override) });
    }
    this.prices = prices;
    this.ceiling = maxPrice([...prices.values()]);
  }

  /** A model missing from the table costs the most expensive known price, so a budget errs on the safe side. */
  priceOf(model: string): ModelPrice {
    return this.prices.get(model) ?? this.ceiling;
  }

  estimateCost({ model, imageSize, images, promptTokens }: CostInput): number {
    const price = this.priceOf(model);
    return roundUsd(images * price[imageSize ?? '1K'] + ((promptTokens ?? 0) / 1_000_000) * price.inputPerMillionTokens);
  }

  /**
   * What a reservation holds before Gemini answers: one output image and the
   * request's input (its own estimate when it has one, never less than the
   * generous default allowance).
   */
  worstCaseCost(model: string, imageSize: ImageSize | undefined, inputTokens?: number): number {
    return this.estimateCost({ model, imageSize, images: 1, promptTokens: Math.max(RESERVED_INPUT_TOKENS, inputTokens ?? 0) });
  }
}

function maxPrice(prices: ModelPrice[]): ModelPrice {
  const highest = (key: keyof ModelPrice) => Math.max(0, ...prices.map((price) => price[key]));
  return { '512': highest('512'), '1K': highest('1K'), '2K': highest('2K'), '4K': highest('4K'), inputPerMillionTokens: highest('inputPerMillionTokens') };
}

function definedPrices(override: PriceOverrides[string]): Partial<ModelPrice> {
  return Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
}

/** Micro-dollars: enough precision for token prices, and sums of many entries do not drift in binary floats. */
export function roundUsd(value: number): number {
  return Math.round(value * 1_000_000) / 1_000_000;
}
