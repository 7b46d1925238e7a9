import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderProgress } from '../../src/discord/renderProgress.js';
import { toMessagePayload } from '../../src/discord/toMessagePayload.js';

let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 6, height: 4, channels: 3, background: '#7a5af5' } }).png().toBuffer();
});

const sketch = (base64: string, mimeType = 'image/jpeg') => ({ kind: 'sketch' as const, number: 2, image: { mimeType, base64 }, thought: 'Placing the fox' });

describe("the member's pending reply", () => {
  it('shows a sketch as a file named and typed by its bytes, marked as a sketch with the thought under it, without buttons or pings', async () => {
    const message = await renderProgress(sketch(png.toString('base64')), 10 * 1024 * 1024);
    expect(message?.content).toBe('Sketch 2, still drawing…\n-# Placing the fox');
    expect(message?.files.map((file) => [file.name, file.mimeType, file.data.equals(png)])).toEqual([['sketch-2.png', 'image/png', true]]);
    const payload = toMessagePayload(message!);
    expect(payload.components).toEqual([]);
    expect(payload.allowedMentions).toEqual({ parse: [], repliedUser: false });
  });

  it('shows a sketch larger than the destination takes as a smaller JPEG, still a sketch', async () => {
    const large = await sharp({ create: { width: 2400, height: 1200, channels: 3, background: 'grey', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    const limit = 4 * 1024 * 1024;
    expect(large.length).toBeGreaterThan(limit);
    const message = await renderProgress(sketch(large.toString('base64'), 'image/png'), limit);
    expect(message?.content).toBe('Sketch 2, still drawing…\n-# Placing the fox');
    expect(message?.files.map((file) => [file.name, file.mimeType])).toEqual([['sketch-2.jpg', 'image/jpeg']]);
    expect(message!.files[0]!.data.length).toBeLessThan(limit);
    const shown = await sharp(message!.files[0]!.data).metadata();
    expect([shown.format, shown.width, shown.height]).toEqual(['jpeg', 1536, 768]);
  });

  it('skips a sketch that does not decode, or that does not fit even as a preview', async () => {
    expect(await renderProgress(sketch(Buffer.from('not a picture').toString('base64')), 10 * 1024 * 1024)).toBeUndefined();
    expect(await renderProgress(sketch('%%%'), 10 * 1024 * 1024)).toBeUndefined();
    expect(await renderProgress(sketch(png.toString('base64')), png.length - 1)).toBeUndefined();
  });

  it('shows the queue and retries as words, with no files (an earlier sketch goes)', async () => {
    expect(await renderProgress({ kind: 'queued', ahead: 3 }, 1)).toEqual({ content: 'Queued: 3 ahead of you.', files: [] });
    expect(await renderProgress({ kind: 'retrying', seconds: 12 }, 1)).toEqual({ content: 'Gemini is busy, retrying in 12 s…', files: [] });
  });
});
