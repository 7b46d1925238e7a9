import { describe, expect, it } from 'vitest';
import { checkImageOptions, declaredRangeSchema, defaultsFor, ModelTable, optionsTakenBy } from '../../src/gemini/imageOptions.js';

const TEN = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];
const table = new ModelTable();
const PRO = table.rangeOf('gemini-3-pro-image');
const FLASH = table.rangeOf('gemini-3.1-flash-image');
const NEWER = table.rangeOf('gemini-nano-banana-2.1');

describe('what each Gemini model makes', () => {
  it('gives gemini-3-pro-image the ten aspect ratios at 1K, 2K and 4K', () => {
    expect(PRO).toEqual({ aspectRatios: TEN, imageSizes: ['1K', '2K', '4K'], known: true });
  });

  it('gives gemini-3.1-flash-image the ten plus 1:4, 4:1, 1:8 and 8:1, at 512, 1K, 2K and 4K', () => {
    expect(FLASH).toEqual({ aspectRatios: [...TEN, '1:4', '4:1', '1:8', '8:1'], imageSizes: ['512', '1K', '2K', '4K'], known: true });
  });

  it('gives a model it does not know only what every image model makes, the ten ratios at 1K, marked as not known', () => {
    for (const model of ['gemini-nano-banana-2.1', 'gemini-3.1-flash-lite-image', 'gemini-3-pro-image-preview', 'constructor', '__proto__']) {
      expect(table.rangeOf(model)).toEqual({ aspectRatios: TEN, imageSizes: ['1K'], known: false });
    }
  });

  it('takes what the operator declares (GEMINI_MODEL_OPTIONS) for a new model or over a built-in one, in the table\'s order', () => {
    const declared = new ModelTable({
      'gemini-nano-banana-2.1': { aspectRatios: ['8:1', '1:1', '16:9'], imageSizes: ['4K', '1K', '2K'] },
      'gemini-3-pro-image': { aspectRatios: ['1:1'], imageSizes: ['1K'] },
    });
    expect(declared.rangeOf('gemini-nano-banana-2.1')).toEqual({ aspectRatios: ['1:1', '16:9', '8:1'], imageSizes: ['1K', '2K', '4K'], known: true });
    expect(declared.rangeOf('gemini-3-pro-image')).toEqual({ aspectRatios: ['1:1'], imageSizes: ['1K'], known: true });
    expect(declared.rangeOf('gemini-3.1-flash-image')).toEqual(FLASH);
    expect(declared.rangeOf('gemini-9-image').known).toBe(false);
  });

  it('reads a declaration in any case but only with values Gemini knows, both lists, no other key', () => {
    expect(declaredRangeSchema.parse({ aspectRatios: ['16:9'], imageSizes: ['2k', ' 4K '] })).toEqual({ aspectRatios: ['16:9'], imageSizes: ['2K', '4K'] });
    const problems = (value: unknown) => declaredRangeSchema.safeParse(value).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({ aspectRatios: ['7:3'], imageSizes: ['8K'] })).toEqual([
      'aspectRatios.0: "7:3" is not an aspect ratio Gemini takes (1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9, 1:4, 4:1, 1:8, 8:1)',
      'imageSizes.0: "8K" is not a size Gemini takes (512, 1K, 2K, 4K)',
    ]);
    expect(declaredRangeSchema.safeParse({ aspectRatios: [], imageSizes: ['1K'] }).success).toBe(false);
    expect(declaredRangeSchema.safeParse({ aspectRatios: ['1:1'] }).success).toBe(false);
    expect(declaredRangeSchema.safeParse({ aspectRatios: ['1:1'], imageSizes: ['1K'], sizes: ['2K'] }).success).toBe(false);
  });
});

describe('checkImageOptions', () => {
  it('takes what the model makes, leaving absent options to Gemini', () => {
    expect(checkImageOptions(FLASH, { aspectRatio: '8:1', imageSize: '512' })).toEqual({ ok: true, settings: { aspectRatio: '8:1', imageSize: '512' } });
    expect(checkImageOptions(PRO, {})).toEqual({ ok: true, settings: {} });
    expect(checkImageOptions(PRO, { aspectRatio: undefined, imageSize: '4K' })).toEqual({ ok: true, settings: { imageSize: '4K' } });
  });

  it('names the option a model does not make and what it makes instead, the aspect ratio first, and whether the table knows the model', () => {
    expect(checkImageOptions(PRO, { aspectRatio: '1:8', imageSize: '512' })).toEqual({
      ok: false,
      problem: { option: 'aspect-ratio', value: '1:8', accepted: TEN, modelKnown: true },
    });
    expect(checkImageOptions(PRO, { imageSize: '512' })).toEqual({ ok: false, problem: { option: 'size', value: '512', accepted: ['1K', '2K', '4K'], modelKnown: true } });
    expect(checkImageOptions(NEWER, { imageSize: '2K' })).toEqual({ ok: false, problem: { option: 'size', value: '2K', accepted: ['1K'], modelKnown: false } });
  });

  it('takes a size typed in another case in Gemini\'s spelling ("2k" is sent as "2K"), and nothing else it does not know', () => {
    expect(checkImageOptions(FLASH, { imageSize: '2k' })).toEqual({ ok: true, settings: { imageSize: '2K' } });
    expect(checkImageOptions(PRO, { imageSize: '4k' })).toEqual({ ok: true, settings: { imageSize: '4K' } });
    expect(checkImageOptions(PRO, { imageSize: '512' }).ok).toBe(false);
    for (const imageSize of ['2048', '', '2 K']) expect(checkImageOptions(FLASH, { imageSize }).ok).toBe(false);
    for (const aspectRatio of ['16x9', '7:3', 'banana', '']) expect(checkImageOptions(FLASH, { aspectRatio }).ok).toBe(false);
  });
});

describe('optionsTakenBy and defaultsFor', () => {
  it('keep the defaults a model makes and leave out the others, for Gemini\'s own', () => {
    expect(optionsTakenBy(PRO, { aspectRatio: '1:8', imageSize: '2K' })).toEqual({ imageSize: '2K' });
    expect(optionsTakenBy(FLASH, { aspectRatio: '1:8', imageSize: '512' })).toEqual({ aspectRatio: '1:8', imageSize: '512' });
    expect(optionsTakenBy(NEWER, { aspectRatio: '16:9', imageSize: '4K' })).toEqual({ aspectRatio: '16:9' });
    expect(optionsTakenBy(PRO, {})).toEqual({});
  });

  it('take the server\'s default where the model makes it, else the environment\'s, per option', () => {
    const chosen = { server: { aspectRatio: '1:8', imageSize: '512' }, environment: { aspectRatio: '16:9', imageSize: '2K' } } as const;
    expect(defaultsFor(FLASH, chosen)).toEqual({ aspectRatio: '1:8', imageSize: '512' });
    expect(defaultsFor(PRO, chosen)).toEqual({ aspectRatio: '16:9', imageSize: '2K' });
    expect(defaultsFor(NEWER, chosen)).toEqual({ aspectRatio: '16:9' });
    expect(defaultsFor(PRO, { server: { aspectRatio: '1:8' }, environment: {} })).toEqual({});
  });
});
