import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RESTOptions } from 'discord.js';
import { bufferedUploads } from '../../src/discord/bufferedUploads.js';

type MakeRequest = RESTOptions['makeRequest'];

/** What undici (Node's own FormData) sends for the form, its boundary replaced by `boundary`. */
async function undiciBytes(form: FormData, boundary: string): Promise<Buffer> {
  const response = new Response(form);
  const own = /boundary=(.+)$/.exec(response.headers.get('content-type') ?? '')![1]!;
  const bytes = Buffer.from(await response.arrayBuffer());
  return Buffer.from(bytes.toString('latin1').replaceAll(own, boundary), 'latin1');
}

function sampleForm(image: Buffer): FormData {
  const form = new FormData();
  form.append('files[0]', new Blob([image], { type: 'image/png' }), 'image-1.png');
  form.append('files[1]', new Blob([Buffer.from('GIF89a')]), 'a "quoted"\r\nname.gif');
  form.append('payload_json', JSON.stringify({ content: 'Sketch 1, still drawing… 🎨', embeds: [] }) + '\nsecond line\rthird');
  return form;
}

describe('uploading files to Discord as one buffer', () => {
  it('sends a form as the multipart bytes undici writes for it, with its content type, empties the form, and sends the same bytes on a retry', async () => {
    const sent: Array<{ url: string; body: unknown; headers: Record<string, string> }> = [];
    const send: MakeRequest = async (url, init) => {
      sent.push({ url, body: init.body, headers: init.headers as Record<string, string> });
      return new Response('{}', { status: 200 });
    };
    const makeRequest = bufferedUploads(send);
    const form = sampleForm(randomBytes(1000));
    const expected = await undiciBytes(sampleForm(Buffer.from(await (form.get('files[0]') as Blob).arrayBuffer())), 'BOUNDARY');
    const init = { method: 'POST', headers: { Authorization: 'Bot token', 'X-Audit-Log-Reason': 'why' }, body: form };
    await makeRequest('https://discord.test/api/channels/1/messages', init);
    expect([...form.keys()]).toEqual([]);
    await makeRequest('https://discord.test/api/channels/1/messages', init);
    expect(sent).toHaveLength(2);
    for (const request of sent) {
      expect(request.url).toBe('https://discord.test/api/channels/1/messages');
      expect(request.headers['authorization']).toBe('Bot token');
      expect(request.headers['x-audit-log-reason']).toBe('why');
      const boundary = /boundary=(.+)$/.exec(request.headers['content-type']!)![1]!;
      const body = request.body as Buffer;
      expect(Buffer.from(body.toString('latin1').replaceAll(boundary, 'BOUNDARY'), 'latin1').equals(expected)).toBe(true);
    }
    expect(sent[1]!.body).toBe(sent[0]!.body);
  });

  it('passes every other request through untouched', async () => {
    const seen: unknown[] = [];
    const makeRequest = bufferedUploads(async (_url, init) => {
      seen.push(init);
      return new Response('{}');
    });
    const init = { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"content":"hi"}' };
    await makeRequest('https://discord.test/api/x', init);
    expect(seen).toEqual([init]);
  });
});
