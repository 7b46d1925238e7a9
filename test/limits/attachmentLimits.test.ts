import { describe, expect, it } from 'vitest';
import { precheckReferences } from '../../src/limits/attachmentLimits.js';

const limits = { allowedOrigins: ['https://cdn.discordapp.com'], maxBytes: 1000 };
const file = (name: string, url = `https://cdn.discordapp.com/attachments/1/2/${name}`, size = 10) => ({ name, url, size });

describe('the limits on a member\'s reference images, before any download', () => {
  it('passes files from an allowed origin within the declared size', () => {
    expect(precheckReferences(limits, [file('a.png'), file('b.png', undefined, 1000)])).toEqual({ ok: true });
  });

  it('refuses more than 14 files, naming the count and the limit', () => {
    const many = Array.from({ length: 15 }, (_, index) => file(`${index}.png`));
    expect(precheckReferences(limits, many)).toEqual({ ok: false, refusal: { kind: 'too-many-attachments', count: 15, limit: 14 } });
    expect(precheckReferences(limits, many.slice(0, 14)).ok).toBe(true);
  });

  it('names each file from another origin, with an unreadable address, or declared over the limit', () => {
    const result = precheckReferences(limits, [file('ok.png'), file('far.png', 'https://example.com/far.png'), file('bad.png', 'not a url'), file('big.png', undefined, 1001)]);
    expect(result).toEqual({
      ok: false,
      refusal: {
        kind: 'attachments-rejected',
        rejected: [
          { name: 'far.png', problem: 'origin-not-allowed' },
          { name: 'bad.png', problem: 'origin-not-allowed' },
          { name: 'big.png', problem: 'too-large' },
        ],
      },
    });
  });
});
