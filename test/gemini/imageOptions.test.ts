import { describe, expect, it } from 'vitest';
import { checkImageOptions, optionsTakenBy, rangeOf, UNKNOWN_MODEL_RANGE } from '../../src/gemini/imageOptions.js';

const TEN = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

describe('what each Gemini model makes', () => {
  it('gives gemini-3-pro-image the ten aspect ratios at 1K, 2K and 4K', () => {
    expect(rangeOf('gemini-3-pro-image')).toEqual({ aspectRatios: TEN, imageSizes: ['1K', '2K', '4K'] });
  });

  it('gives gemini-3.1-flash-image the ten plus 1:4, 4:1, 1:8 and 8:1, at 512, 1K, 2K and 4K', () => {
    expect(rangeOf('gemini-3.1-flash-image')).toEqual({ aspectRatios: [...TEN, '1:4', '4:1', '1:8', '8:1'], imageSizes: ['512', '1K', '2K', '4K'] });
  });

  it('gives a model it does not know only what every image model makes: the ten ratios at 1K', () => {
    for (const model of ['gemini-nano-banana-2.1', 'gemini-3.1-flash-lite-image', 'gemini-3-pro-image-preview', 'constructor', '__proto__']) {
      expect(rangeOf(model)).toEqual({ aspectRatios: TEN, imageSizes: ['1K'] });
    }
    expect(UNKNOWN_MODEL_RANGE.imageSizes).toEqual(['1K']);
  });
});

describe('checkImageOptions', () => {
  it('takes what the model makes, leaving absent options to Gemini', () => {
    expect(checkImageOptions('gemini-3.1-flash-image', { aspectRatio: '8:1', imageSize: '512' })).toEqual({ ok: true, settings: { aspectRatio: '8:1', imageSize: '512' } });
    expect(checkImageOptions('gemini-3-pro-image', {})).toEqual({ ok: true, settings: {} });
    expect(checkImageOptions('gemini-3-pro-image', { aspectRatio: undefined, imageSize: '4K' })).toEqual({ ok: true, settings: { imageSize: '4K' } });
  });

  it('names the option a model does not make and what it makes instead, the aspect ratio first', () => {
    expect(checkImageOptions('gemini-3-pro-image', { aspectRatio: '1:8', imageSize: '512' })).toEqual({
      ok: false,
      problem: { option: 'aspect-ratio', value: '1:8', accepted: TEN },
    });
    expect(checkImageOptions('gemini-3-pro-image', { imageSize: '512' })).toEqual({ ok: false, problem: { option: 'size', value: '512', accepted: ['1K', '2K', '4K'] } });
    expect(checkImageOptions('gemini-nano-banana-2.1', { imageSize: '2K' })).toEqual({ ok: false, problem: { option: 'size', value: '2K', accepted: ['1K'] } });
  });

  it('matches exactly, as Gemini does: no lower-case k, no other spelling, nothing unknown', () => {
    for (const imageSize of ['2k', ' 2K', '2048', '']) expect(checkImageOptions('gemini-3.1-flash-image', { imageSize }).ok).toBe(false);
    for (const aspectRatio of ['16x9', '7:3', 'banana', '']) expect(checkImageOptions('gemini-3.1-flash-image', { aspectRatio }).ok).toBe(false);
  });
});

describe('optionsTakenBy', () => {
  it('keeps the defaults a model makes and leaves out the others, for Gemini\'s own', () => {
    expect(optionsTakenBy('gemini-3-pro-image', { aspectRatio: '1:8', imageSize: '2K' })).toEqual({ imageSize: '2K' });
    expect(optionsTakenBy('gemini-3.1-flash-image', { aspectRatio: '1:8', imageSize: '512' })).toEqual({ aspectRatio: '1:8', imageSize: '512' });
    expect(optionsTakenBy('gemini-nano-banana-2.1', { aspectRatio: '16:9', imageSize: '4K' })).toEqual({ aspectRatio: '16:9' });
    expect(optionsTakenBy('gemini-3-pro-image', {})).toEqual({});
  });
});
