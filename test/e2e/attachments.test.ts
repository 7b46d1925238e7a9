import { describe, expect, it } from 'vitest';
import type { APIAttachment } from 'discord.js';
import type { Harness } from './harness.js';
import { useHarness } from './useHarness.js';
import { geminiCalls } from './geminiCalls.js';
import { pngBytes, waitForBotReplyTo } from './helpers.js';

const harness = useHarness({ env: { MAX_ATTACHMENT_MB: '0.01' } }); // 10 KiB, so "too large" is cheap to test

async function mentionWith(attachments: APIAttachment[]) {
  const ask = harness.discord.sendMessage({ user: harness.discord.users.alice, content: 'use these', attachments, mentionBot: true });
  return waitForBotReplyTo(harness, ask);
}

/** An attachment object pointing at a CDN route the test serves itself. */
function servedAttachment(name: string, handler: Parameters<Harness['discord']['serveAt']>[1], size = 100): APIAttachment {
  const url = harness.discord.serveAt(`/attachments/test/${name}`, handler);
  return { ...harness.discord.addAttachment(pngBytes(0), { filename: name }), url, proxy_url: url, size };
}

describe('attachments are hostile input', () => {
  it('does not follow a redirect to another origin', async () => {
    let followed = false;
    const elsewhere = harness.discord.serveAt('/elsewhere.png', (_request, response) => {
      followed = true;
      response.end(pngBytes(1));
    });
    const redirect = servedAttachment('redirect.png', (_request, response) => {
      response.writeHead(302, { location: elsewhere.replace('127.0.0.1', 'localhost') }).end();
    });
    const answer = await mentionWith([redirect]);
    expect(answer.content).toMatch(/redirect\.png: I could not download it/);
    expect(followed).toBe(false);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('stops reading a body larger than Discord declared, at the size cap', async () => {
    const liar = servedAttachment('liar.png', (_request, response) => {
      const chunk = pngBytes(2);
      response.writeHead(200, { 'content-type': 'image/png' });
      for (let index = 0; index < 2_000; index += 1) {
        response.write(chunk);
      }
      response.end();
    }, 100);
    const answer = await mentionWith([liar]);
    expect(answer.content).toMatch(/liar\.png: it is too large/);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('refuses a download that ends before the size Discord declared', async () => {
    const cut = servedAttachment('cut.png', (_request, response) => response.end(pngBytes(3)), 5_000);
    const answer = await mentionWith([cut]);
    expect(answer.content).toMatch(/cut\.png: the download was cut short/);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('refuses a declared size over MAX_ATTACHMENT_MB without downloading', async () => {
    let downloaded = false;
    const big = servedAttachment('big.png', (_request, response) => {
      downloaded = true;
      response.end(pngBytes(3));
    }, 50_000);
    const answer = await mentionWith([big]);
    expect(answer.content).toMatch(/big\.png: it is too large/);
    expect(downloaded).toBe(false);
  });

  it('names each bad file with its own problem, and calls Gemini for none of them', async () => {
    const empty = harness.discord.addAttachment(new Uint8Array(), { filename: 'empty.png' });
    const gif = harness.discord.addAttachment(Buffer.from('GIF89a\x01\x00\x01\x00'), { filename: 'anim.gif' });
    const missing = servedAttachment('gone.png', (_request, response) => response.writeHead(404).end());
    const good = harness.discord.addAttachment(pngBytes(5), { filename: 'good.png' });
    const answer = await mentionWith([empty, gif, missing, good]);
    expect(answer.content).toContain('empty.png: the file is empty');
    expect(answer.content).toContain('anim.gif: it is not a PNG, JPEG, WebP or HEIC image');
    expect(answer.content).toContain('gone.png: I could not download it');
    expect(answer.content).not.toContain('good.png');
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('refuses a file from elsewhere on arrival, downloading none of the others', async () => {
    let downloaded = false;
    const good = servedAttachment('good.png', (_request, response) => {
      downloaded = true;
      response.end(pngBytes(6));
    });
    const foreign = { ...harness.discord.addAttachment(pngBytes(4), { filename: 'foreign.png' }), url: 'https://example.com/foreign.png' };
    const answer = await mentionWith([good, foreign]);
    expect(answer.content).toContain('foreign.png: it is not hosted on Discord');
    expect(answer.content).not.toContain('good.png');
    expect(downloaded).toBe(false);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('refuses more than 14 images before downloading any', async () => {
    const many = Array.from({ length: 15 }, (_, index) => harness.discord.addAttachment(pngBytes(index), { filename: `ref${index}.png` }));
    const answer = await mentionWith(many);
    expect(answer.content).toMatch(/15 images; Gemini takes at most 14/);
    expect(geminiCalls(harness)).toHaveLength(0);
  });
});
