import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64Strictly, isStrictBase64, spellsOnlyBase64Characters } from '../../src/images/decodeBase64Strictly.js';

const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xfb, 0xef, 0x3e]);
/** Long enough for isStrictBase64 to decode it in several slices (65,536 characters each). */
const long = randomBytes(200_000);
const longText = long.toString('base64');
/** The text with the characters at `at` replaced by `by`, its length unchanged. */
const replaced = (text: string, at: number, by: string) => `${text.slice(0, at)}${by}${text.slice(at + by.length)}`;
/** A standard-alphabet letter replaced by a URL-safe one (or the reverse), far from the other alphabet's. */
const mixed = (text: string) => (text.includes('+') ? replaced(text, text.length - 10, '_') : replaced(text, text.length - 10, '+'));

const valid: Array<[string, string, Buffer]> = [
  ['standard, padded', bytes.toString('base64'), bytes],
  ['standard, unpadded', bytes.toString('base64').replace(/=+$/, ''), bytes],
  ['URL-safe, unpadded', bytes.toString('base64url'), bytes],
  ['URL-safe, padded', bytes.toString('base64url').padEnd(12, '='), bytes],
  ['long, standard, padded', longText, long],
  ['long, URL-safe, unpadded', long.toString('base64url'), long],
  ['exactly one slice long', long.subarray(0, 49_152).toString('base64'), long.subarray(0, 49_152)],
  ['one slice and a padded group', long.subarray(0, 49_153).toString('base64'), long.subarray(0, 49_153)],
];

const invalid: Array<[string, string]> = [
  ['empty text', ''],
  ['a character outside both alphabets', '/9j/4!AA'],
  ['stray characters mid-text, which Buffer.from silently skips', `${bytes.toString('base64').slice(0, 4)}!*~${bytes.toString('base64').slice(4)}`],
  ['whitespace', '/9j/ 4AA'],
  ['a line break', '/9j/\n4AA'],
  ['both alphabets in one text', '+9j_4AA='],
  ['a lone character in the last group', '/9j/4'],
  ['padding that leaves the group short', 'AA='],
  ['padding past the group', 'AAA=='],
  ['padding after a whole group', 'AAAA='],
  ['three padding characters', 'A==='],
  ['padding in the middle', 'AA==AAAA'],
  ['only padding', '=='],
  // Node's decoder reads a character above U+00FF by its low byte: U+0141 would pass as 'A', U+012B as '+'.
  ['a character above U+00FF whose low byte is a base64 letter', '/9j/\u0141AAA'],
  ['a character above U+00FF whose low byte is +', '/9j/\u012bAAA'],
  ['a Latin-1 letter', '/9j/\u00e9AAA'],
  ['a quote', '/9j/"AAA'],
  ['a backslash', '/9j/\\AAA'],
  ['a NUL', '/9j/\u0000AAA'],
  ['a control character', '/9j/\u001fAAA'],
  ['DEL', '/9j/\u007fAAA'],
  // Damage beyond the first slice, at its edges, and late in a long text: each slice must be proven.
  ['a quote in a later slice', replaced(longText, 200_001, '"')],
  ['a backslash at the last character of the first slice', replaced(longText, 65_535, '\\')],
  ['a line break at the first character of the second slice', replaced(longText, 65_536, '\n')],
  ['a character above U+00FF in a later slice', replaced(longText, 150_000, '\u0141')],
  ['a surrogate pair in a later slice', replaced(longText, 150_000, '😀')],
  ['padding in the middle of a long text', replaced(longText, 70_000, '==')],
  ['padding closing the first slice', replaced(longText, 65_534, '==')],
  ['both alphabets far apart in a long text', mixed(longText)],
  ['a long text ending in a lone character in its last group', `${longText.replace(/=+$/, '')}AA`],
];

describe('reading base64 strictly', () => {
  it.each(valid)('gives the bytes of %s text', (_case, text, expected) => {
    expect(decodeBase64Strictly(text)?.equals(expected)).toBe(true);
    expect(isStrictBase64(text)).toBe(true);
  });

  it.each(invalid)('refuses %s', (_case, text) => {
    expect(decodeBase64Strictly(text)).toBeUndefined();
    expect(isStrictBase64(text)).toBe(false);
  });

  it('checks the text it is given, whatever it was given before (the scratch buffer keeps nothing)', () => {
    expect(isStrictBase64(longText)).toBe(true);
    expect(isStrictBase64(replaced(longText, 100, '"'))).toBe(false);
    expect(isStrictBase64(longText)).toBe(true);
  });
});

describe('spellsOnlyBase64Characters', () => {
  const ALPHABETS = /^[A-Za-z0-9+/_-]*$/;

  it('agrees with a regular expression over both alphabets, for every short text of base64 and stray characters', () => {
    const common = 'ABCxyz019+/-_';
    const stray = '=\n\t \u0000\u001f\u007f"\\.~';
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let trial = 0; trial < 20_000; trial++) {
      let text = '';
      for (let length = random(14); length > 0; length--) text += random(5) === 0 ? stray[random(stray.length)] : common[random(common.length)];
      expect(spellsOnlyBase64Characters(text), JSON.stringify(text)).toBe(ALPHABETS.test(text));
    }
  });

  it('finds one stray character anywhere in text longer than one slice of the decoder', () => {
    const unpadded = longText.replace(/=+$/, '');
    expect(spellsOnlyBase64Characters(unpadded)).toBe(true);
    for (const at of [0, 1, 65_535, 65_536, 65_537, 130_000, unpadded.length - 5, unpadded.length - 1]) {
      for (const stray of ['=', '\n', '.', '\u0001']) expect(spellsOnlyBase64Characters(replaced(unpadded, at, stray)), `${JSON.stringify(stray)} at ${at}`).toBe(false);
    }
  });
});
