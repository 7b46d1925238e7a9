import { describe, expect, it } from 'vitest';
import { encodeCustomId, parseCustomId, type CustomId } from '../../src/discord/customIds.js';
import { ModelTable } from '../../src/gemini/imageOptions.js';
import { resultButtonRows, resultButtonsFor } from '../../src/discord/resultButtons.js';

describe('component custom ids', () => {
  // Written out, not imported: buttons already posted on Discord carry these ids, so renaming one breaks them.
  const resultActions = ['reroll', 'edit', 'upscale-2k', 'upscale-4k', 'branch', 'delete'] as const;
  const ids: CustomId[] = [
    ...resultActions.map((action) => ({ kind: 'result' as const, action })),
    { kind: 'edit-modal', messageId: '1234567890123456789' },
    { kind: 'compose-modal', channelId: '12345678901234567890', messageId: '98765432109876543210', signature: 'abcdefghijklmnopqrstu_' },
  ];

  it('round-trip every id the bot makes, within Discord\'s 100 characters', () => {
    for (const id of ids) {
      const encoded = encodeCustomId(id);
      expect(encoded.length).toBeLessThanOrEqual(100);
      expect(parseCustomId(encoded)).toEqual(id);
    }
  });

  it('refuse ids from other versions, other bots or forgers', () => {
    for (const raw of ['', 'reroll', 'nb0:result:reroll', 'nb1:result:explode', 'nb1:edit-modal:not-a-number', 'nb1:edit-modal:1', `nb1:result:reroll:${'x'.repeat(100)}`, 'nb1:compose-modal:12345678901234567', 'nb1:compose-modal:12345678901234567:12345678901234567', 'nb1:compose-modal:12345678901234567:12345678901234567:short']) {
      expect(parseCustomId(raw)).toBeUndefined();
    }
  });

  it('fit the result buttons in Discord\'s rows of five', () => {
    const rows = resultButtonRows({ upscaleSizes: ['2K', '4K'] });
    expect(rows.every((row) => row.components.length <= 5)).toBe(true);
    expect(rows.flatMap((row) => row.components.map((button) => ('custom_id' in button ? button.custom_id : '')))).toEqual(
      resultActions.map((action) => `nb1:result:${action}`),
    );
  });

  it('offer Upscale only to the sizes the result\'s model makes', () => {
    const table = new ModelTable();
    const ids = (model: string) => resultButtonRows(resultButtonsFor(table.rangeOf(model))).flatMap((row) => row.components.map((button) => ('custom_id' in button ? button.custom_id : '')));
    expect(ids('gemini-3-pro-image')).toEqual(resultActions.map((action) => `nb1:result:${action}`));
    expect(ids('gemini-3.1-flash-image')).toEqual(resultActions.map((action) => `nb1:result:${action}`));
    expect(ids('gemini-nano-banana-2.1')).toEqual(['nb1:result:reroll', 'nb1:result:edit', 'nb1:result:branch', 'nb1:result:delete']);
    expect(resultButtonRows(resultButtonsFor(table.rangeOf('gemini-nano-banana-2.1')))).toHaveLength(1);
    expect(resultButtonsFor(table.rangeOf('gemini-3-pro-image'))).toEqual({ upscaleSizes: ['2K', '4K'] });
    // A model the operator declared with 2K (GEMINI_MODEL_OPTIONS) gets Upscale 2K alone.
    const declared = new ModelTable({ 'gemini-nano-banana-2.1': { aspectRatios: ['1:1'], imageSizes: ['1K', '2K'] } });
    expect(resultButtonsFor(declared.rangeOf('gemini-nano-banana-2.1'))).toEqual({ upscaleSizes: ['2K'] });
  });
});
