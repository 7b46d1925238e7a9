import { describe, expect, it } from 'vitest';
import { decodeBase64Strictly } from '../../src/images/decodeBase64Strictly.js';

const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0xfb, 0xef, 0x3e]);

describe('reading base64 strictly', () => {
  it.each([
    ['standard, padded', bytes.toString('base64')],
    ['standard, unpadded', bytes.toString('base64').replace(/=+$/, '')],
    ['URL-safe, unpadded', bytes.toString('base64url')],
    ['URL-safe, padded', bytes.toString('base64url').padEnd(12, '=')],
  ])('gives the bytes of %s text', (_case, text) => {
    expect(decodeBase64Strictly(text)?.equals(bytes)).toBe(true);
  });

  it.each([
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
  ])('refuses %s', (_case, text) => {
    expect(decodeBase64Strictly(text)).toBeUndefined();
  });
});
