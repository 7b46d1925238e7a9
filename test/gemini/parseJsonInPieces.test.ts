import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseJsonInPieces, type ParsedPieces } from '../../src/gemini/parseJsonInPieces.js';

/** A short threshold, so a few bytes already make a string long and every path is crossed at every cut. */
const LONG = 8;

function parse(pieces: Uint8Array[], longStringBytes = LONG): ParsedPieces {
  const parser = parseJsonInPieces(longStringBytes);
  for (const piece of pieces) parser.write(piece);
  return parser.end();
}

/** The text in one piece, byte by byte, and cut in two at every byte. */
function everySplit(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const splits: Buffer[][] = [[bytes], [...bytes].map((byte) => Buffer.from([byte]))];
  for (let at = 1; at < bytes.length; at++) splits.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return splits;
}

function expectSameAsJsonParse(text: string): void {
  const expected = JSON.parse(text) as unknown;
  for (const split of everySplit(text)) {
    const parsed = parse(split);
    expect(parsed.ok, `cut as ${split.map((piece) => piece.length).join('+')}`).toBe(true);
    if (parsed.ok) expect(parsed.value).toStrictEqual(expected);
  }
}

function expectRefusedLikeJsonParse(text: string): void {
  expect(() => JSON.parse(text)).toThrow(SyntaxError);
  for (const split of everySplit(text)) expect(parse(split).ok, `cut as ${split.map((piece) => piece.length).join('+')}`).toBe(false);
}

describe('parsing a JSON text that arrives in pieces', () => {
  it('gives what JSON.parse gives for a streamed Gemini chunk with an image, however the bytes are cut', () => {
    const image = randomBytes(60).toString('base64');
    expectSameAsJsonParse(
      JSON.stringify({
        candidates: [{ content: { role: 'model', parts: [{ text: '', thoughtSignature: 'c2lnbmF0dXJl' }, { inlineData: { mimeType: 'image/png', data: image } }] }, index: 0 }],
        usageMetadata: { promptTokenCount: 12, totalTokenCount: 1302 },
        modelVersion: 'gemini-3-pro-image',
      }),
    );
  });

  it('decodes escapes inside a long string as JSON.parse does (Google may write / as \\/ and = as \\u003d)', () => {
    expectSameAsJsonParse('{"data":"iVBORw0KGgo\\/AAAA\\/\\/8AAA\\u003d\\u003D"}');
    expectSameAsJsonParse('{"text":"a long line: \\"quoted\\", a \\\\ backslash,\\ttab,\\nnew line, \\b\\f\\r and \\ud83c\\udfa8 drawn"}');
    expectSameAsJsonParse('["\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u4e2d"]');
  });

  it('keeps UTF-8 text exact, in short strings and in long ones (which stay in the text JSON.parse reads)', () => {
    expectSameAsJsonParse('{"text":"é ✓ 🎨","long":"plain ASCII first, then é and 🎨 and ✓ at the end"}');
    expectSameAsJsonParse('{"a":"日本語のテキストがここにあります。とても長い文字列です。"}');
  });

  it('finds a long string wherever it is: a top-level string, an array, a key, beside other long strings', () => {
    expectSameAsJsonParse('"a long string alone as the whole text"');
    expectSameAsJsonParse('[1,"first long string here",{"nested":["second long string here",null,true,-1.5e3]},"short"]');
    expectSameAsJsonParse('{"a key that is long enough to go apart":{"another long key here too":"and a long value"},"x":1}');
    expectSameAsJsonParse('{"text":"an image where no image is expected: iVBORw0KGgoAAAANSUhEUgAA","inlineData":{"data":"iVBORw0KGgoAAAANSUhEUgAA"}}');
  });

  it('keeps a long key named __proto__ and duplicate keys as JSON.parse does', () => {
    expectSameAsJsonParse('{"__proto__":"a long value for the proto key","k":"first value that is long","k":"second value that is long"}');
  });

  it('refuses what JSON.parse refuses, inside long strings too', () => {
    expectRefusedLikeJsonParse('{"data":"a long string with a raw\ttab in it"}');
    expectRefusedLikeJsonParse('{"data":"a long string with \\x an unknown escape"}');
    expectRefusedLikeJsonParse('{"data":"a long string with \\u12G4 a bad unicode escape"}');
    expectRefusedLikeJsonParse('{"data":"a long string that never ends');
    expectRefusedLikeJsonParse('{"data":"a long string ending in a lone backslash\\');
    expectRefusedLikeJsonParse('{"data":"a long string"} trailing');
    expectRefusedLikeJsonParse('');
    expectRefusedLikeJsonParse('[DONE]');
  });

  it('refuses a raw control character inside base64 text, wherever it falls in a group of four (the decoder proves the rest)', () => {
    for (const control of ['\u0000', '\u0001', '\t', '\n', '\r', '\u001f']) {
      for (const before of ['', 'Q', 'QU', 'QUJ', 'QUJD', 'QUJDQ']) expectRefusedLikeJsonParse(`{"data":"QUJDQUJD${before}${control}QUJDQUJD"}`);
      expectRefusedLikeJsonParse(`{"data":"QUJDQUJDQU${control}"}`);
    }
  });

  it('keeps base64 text in either alphabet, padded or not, and printable text that is no base64', () => {
    expectSameAsJsonParse('{"data":"QUJD+/-_QUJDQUJDQQ==","more":"QUJDQUJDQUJDQUI=","url":"QUJD-_QUJDQUJDQUJDQ"}');
    expectSameAsJsonParse('{"data":"QUJD QUJD=QUJD.QUJD~QUJD\x7f"}');
  });

  it('leaves a long string out of the text JSON.parse reads, and puts back one that is not printable', () => {
    const image = 'A'.repeat(100_000);
    const apart = parse([Buffer.from(`{"data":"${image}"} not JSON`)], 1024);
    expect(apart.ok).toBe(false);
    if (!apart.ok) expect(apart.text.length).toBeLessThan(200);
    const withUtf8 = parse([Buffer.from(`{"data":"${image}é"} not JSON`)], 1024);
    expect(withUtf8.ok).toBe(false);
    if (!withUtf8.ok) expect(withUtf8.text).toContain(`${image}é`);
  });

  it('reads a multi-megabyte image in network-sized chunks to the same string', () => {
    const image = randomBytes(2_000_000).toString('base64');
    const bytes = Buffer.from(`{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/jpeg","data":"${image}"}}]}}]}`);
    const chunks: Buffer[] = [];
    for (let start = 0; start < bytes.length; start += 65_536) chunks.push(bytes.subarray(start, start + 65_536));
    const parsed = parse(chunks, 32 * 1024);
    const data = parsed.ok ? (parsed.value as { candidates: Array<{ content: { parts: Array<{ inlineData: { data: string } }> } }> }).candidates[0]!.content.parts[0]!.inlineData.data : '';
    // Compared as a boolean: a failure would print megabytes.
    expect(data === image).toBe(true);
  });
});
