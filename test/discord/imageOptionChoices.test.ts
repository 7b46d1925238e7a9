import { describe, expect, it } from 'vitest';
import { ModelTable } from '../../src/gemini/imageOptions.js';
import { imageOptionChoices } from '../../src/discord/imageOptionChoices.js';

const PRO = new ModelTable().rangeOf('gemini-3-pro-image');
const FLASH = new ModelTable().rangeOf('gemini-3.1-flash-image');
const values = (choices: Array<{ value: string }>) => choices.map((choice) => choice.value);

describe('the suggestions for an image option', () => {
  it('offer everything the model makes when nothing is typed, each named with its shape, the one applying marked', () => {
    const choices = imageOptionChoices(PRO, 'aspect_ratio', '', { aspectRatio: '16:9' });
    expect(values(choices)).toEqual(['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']);
    expect(choices.find((choice) => choice.value === '16:9')?.name).toBe('16:9 (landscape), the default here');
    expect(choices.find((choice) => choice.value === '1:1')?.name).toBe('1:1 (square)');
    expect(choices.find((choice) => choice.value === '9:16')?.name).toBe('9:16 (portrait)');
    expect(values(imageOptionChoices(FLASH, 'aspect_ratio', '', {}))).toEqual(expect.arrayContaining(['1:4', '4:1', '1:8', '8:1']));
  });

  it('offer the sizes of the model, Gemini\'s 1K marked when nothing else applies', () => {
    expect(imageOptionChoices(PRO, 'size', '', {})).toEqual([
      { name: '1K, the default here', value: '1K' },
      { name: '2K', value: '2K' },
      { name: '4K', value: '4K' },
    ]);
    expect(values(imageOptionChoices(FLASH, 'size', '', { imageSize: '2K' }))).toEqual(['512', '1K', '2K', '4K']);
  });

  it('filter by what was typed, starts first, then anywhere, ignoring case and spaces', () => {
    expect(values(imageOptionChoices(FLASH, 'aspect_ratio', '1:', {}))).toEqual(['1:1', '1:4', '1:8', '21:9']);
    expect(values(imageOptionChoices(FLASH, 'aspect_ratio', ' 16', {}))).toEqual(['16:9', '9:16']);
    expect(values(imageOptionChoices(PRO, 'aspect_ratio', 'PORTRAIT', {}))).toEqual(['2:3', '3:4', '4:5', '9:16']);
    expect(values(imageOptionChoices(FLASH, 'size', 'k', {}))).toEqual(['1K', '2K', '4K']);
    expect(imageOptionChoices(PRO, 'size', '512', {})).toEqual([]);
  });

  it('stay within what Discord shows: at most 25, names of 1 to 100 characters', () => {
    for (const range of [PRO, FLASH]) {
      for (const option of ['aspect_ratio', 'size'] as const) {
        const choices = imageOptionChoices(range, option, '', { aspectRatio: '21:9', imageSize: '4K' });
        expect(choices.length).toBeLessThanOrEqual(25);
        for (const choice of choices) expect(choice.name.length).toBeGreaterThanOrEqual(1), expect(choice.name.length).toBeLessThanOrEqual(100);
      }
    }
  });
});
