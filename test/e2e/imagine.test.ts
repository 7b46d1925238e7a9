import { describe, expect, it } from 'vitest';
import { useHarness } from './useHarness.js';
import { suiteGeminiApi } from './harness.js';
import { geminiCall, geminiCalls } from './geminiCalls.js';
import { firstAttachmentBytes, imagine, jpegBytes, pngBytes, waitForThread, mainText } from './helpers.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls
// (generateContent's exact body: generateContentWire.test.ts; the Interactions body: geminiInteractions.test.ts).
const harness = useHarness();

describe('/imagine', () => {
  it('acknowledges at once, posts Gemini\'s image with its text, and opens a thread named after the prompt', async () => {
    harness.gemini.enqueue({ kind: 'image', text: 'Here is a watercolor fox.' });
    const { interactionId, message } = await imagine(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9', size: '2K' });

    const interaction = harness.discord.interaction(interactionId);
    expect(interaction.ackType).toBe(5); // deferred: "thinking…" until Gemini answers
    expect(interaction.ackedAt! - interaction.createdAt).toBeLessThan(3000); // Discord's limit, which the emulator enforces too

    expect(mainText(message)).toBe('Here is a watercolor fox.');
    expect(message.content).toContain(`-# Asked by <@${harness.discord.users.alice.id}>: “a watercolor fox”`);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ filename: 'image-1.jpg', content_type: 'image/jpeg' });
    const info = harness.gemini.imageInfo(firstAttachmentBytes(harness, message));
    expect(info?.prompt).toBe('a watercolor fox');

    const thread = await waitForThread(harness, message.id);
    expect(thread).toMatchObject({ id: message.id, name: 'a watercolor fox', parent_id: harness.discord.channelId, type: 11 });
  });

  it('calls Gemini with the key in the header only, the configured model, and exactly the chosen image options', async () => {
    await imagine(harness, { prompt: 'a lighthouse', aspectRatio: '21:9', size: '4K' });
    await imagine(harness, { prompt: 'a plain square' });

    const [first, second] = geminiCalls(harness);
    expect(first).toMatchObject({ model: 'gemini-3-pro-image', status: 200, aspectRatio: '21:9', imageSize: '4K', search: false });
    expect(first?.seen).toEqual([{ role: 'user', texts: ['a lighthouse'], images: [] }]);
    const headers = [...harness.gemini.requests, ...harness.gemini.interactions.requests].map((request) => request.headers['x-goog-api-key']);
    expect(headers).toEqual([harness.gemini.apiKey, harness.gemini.apiKey]);
    expect(second).toMatchObject({ model: 'gemini-3-pro-image', status: 200, search: false });
    expect(second?.seen).toEqual([{ role: 'user', texts: ['a plain square'], images: [] }]);
    expect([second?.aspectRatio, second?.imageSize]).toEqual([undefined, undefined]);
  });

  it('sends its reference image options to Gemini with their exact bytes and sniffed types', async () => {
    const png = pngBytes(3);
    const jpeg = jpegBytes(4);
    const references = [
      harness.discord.addAttachment(png, { filename: 'a.webp', contentType: 'image/webp' }),
      harness.discord.addAttachment(jpeg, { filename: 'b.png' }),
    ];
    const { message } = await imagine(harness, { prompt: 'combine these', references });
    expect(message.attachments).toHaveLength(1);
    const call = geminiCall(harness, 0);
    expect(call.seen).toEqual([{ role: 'user', texts: ['combine these'], images: [png.toString('base64'), jpeg.toString('base64')] }]);
    expect(call.askedImageTypes).toEqual(['image/png', 'image/jpeg']);
  });

  it('refuses a reference from outside Discord\'s CDN without calling Gemini', async () => {
    const foreign = { ...harness.discord.addAttachment(pngBytes(5), { filename: 'x.png' }), url: 'http://127.0.0.1:9/x.png' };
    const { interactionId } = harness.discord.sendSlashCommand({
      user: harness.discord.users.alice,
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'use this' },
        { name: 'reference1', type: 11, value: foreign.id },
      ],
      attachments: [foreign],
    });
    const message = await harness.discord.waitForMessage((candidate) => candidate.id === harness.discord.interaction(interactionId).originalMessageId);
    expect(message.content).toMatch(/x\.png: it is not hosted on Discord/);
    expect(geminiCalls(harness)).toHaveLength(0);
  });

  it('names the thread with at most 100 characters however long the prompt is', async () => {
    const prompt = `a very long prompt ${'with many words '.repeat(20)}`;
    const { message } = await imagine(harness, { prompt });
    const thread = await waitForThread(harness, message.id);
    expect(thread.name.length).toBeLessThanOrEqual(100);
    expect(thread.name.startsWith('a very long prompt with many words')).toBe(true);
  });

  it('attaches every image when Gemini returns several', async () => {
    harness.gemini.enqueue({ kind: 'image', images: 3 });
    const { message } = await imagine(harness, { prompt: 'three foxes' });
    expect(message.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg', 'image-2.jpg', 'image-3.jpg']);
    const serials = message.attachments.map((attachment) => harness.gemini.imageInfo(harness.discord.attachmentBytes(attachment))?.serial);
    expect(new Set(serials).size).toBe(3);
  });

  it('explains an answer without an image in words', async () => {
    harness.gemini.enqueue({ kind: 'text-only', text: 'Do you want a red fox or an arctic fox?' });
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.attachments).toHaveLength(0);
    expect(message.content).toContain('without an image');
    expect(message.content).toContain('Do you want a red fox or an arctic fox?');
  });

  it('says in plain words when the prompt is refused, without JSON or a status code', async () => {
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason: 'PROHIBITED_CONTENT' });
    const { message } = await imagine(harness, { prompt: 'something not allowed' });
    expect(message.attachments).toHaveLength(0);
    if (suiteGeminiApi() === 'generate-content') {
      expect(message.content).toMatch(/refused/);
      expect(message.content).toMatch(/prohibited content/);
    } else {
      // The Interactions API names no block reason (FACTS: a refusal is HTTP 200 with only the model's words): the member reads those.
      expect(message.content).toContain("I can't create that image.");
    }
    expect(message.content).not.toMatch(/[{}]|\b[45]\d\d\b|undefined/);
  });

  it('tells the user when Gemini keeps failing, and keeps running', async () => {
    harness.gemini.enqueue(...Array.from({ length: 4 }, () => ({ kind: 'error' as const, status: 500 as const })));
    const { message } = await imagine(harness, { prompt: 'a fox' });
    expect(message.content).toMatch(/Gemini is having trouble/);
    expect(geminiCalls(harness).map((call) => call.status)).toEqual([500, 500, 500, 500]);
    const again = await imagine(harness, { prompt: 'a fox, second try' });
    expect(again.message.attachments).toHaveLength(1);
  });
});

/** Words that must never reach a user: raw JSON, bare statuses, undefined, stack traces. */
function expectReadable(content: string) {
  expect(content.length).toBeGreaterThan(20);
  expect(content).not.toMatch(/[{}]|\bundefined\b|\bnull\b|\n\s+at |\b(400|403|404|429|500|502|503)\b/);
}

describe('/imagine when Gemini answers with no image or no answer at all', () => {
  it('an answer with nothing in it (no candidate; an interaction without steps)', async () => {
    harness.gemini.enqueue({ kind: 'no-candidates' });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(message.content).toMatch(/without an image/);
    expectReadable(message.content);
  });

  it('a STOP with words but no image quotes the model, trimmed to fit Discord', async () => {
    harness.gemini.enqueue({ kind: 'text-only', text: `I would rather describe it: ${'a long description. '.repeat(200)}` });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(message.content).toContain('I would rather describe it');
    expect(message.content.length).toBeLessThanOrEqual(2000);
    expect(mainText(message).endsWith('…')).toBe(true); // the model's words are cut, the small print stays whole
    expect(message.content).toMatch(/\n-# Asked by <@\d+>: “something”$/);
  });

  it('an answer that is not JSON (a cut or mangled 200) is explained, not retried', async () => {
    harness.gemini.enqueue({ kind: 'raw', status: 200, body: suiteGeminiApi() === 'interactions' ? '{"id": "v1_ChdFbXVs", "status": "compl' : '{"candidates": [{"content"', contentType: 'application/json' });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(mainText(message)).toBe('Gemini sent an answer I could not understand. Please try again.');
    expect(geminiCalls(harness)).toHaveLength(1);
  });

  it('an HTML error page from a proxy in front of Gemini is read as the server error it is, retried, then explained', async () => {
    const page = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    harness.gemini.enqueue(...Array.from({ length: 4 }, () => ({ kind: 'raw' as const, status: 502, body: page })));
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(mainText(message)).toBe('Gemini is having trouble right now. Please try again in a moment.');
    expect(geminiCalls(harness).map((call) => call.status)).toEqual([502, 502, 502, 502]);
    expectReadable(mainText(message));
  });
});

describe('/imagine with search', () => {
  it('asks Gemini to ground the image in Google Search and lists the sources under it as links', async () => {
    const { message } = await imagine(harness, { prompt: "this week's weather in Tokyo as a chart", search: true });
    expect(geminiCall(harness, 0).search).toBe(true);
    expect(message.content).toContain(
      '-# Sources: [example.com](<https://vertexaisearch.cloud.google.com/grounding-api-redirect/emulator>) · [weather.example](<https://vertexaisearch.cloud.google.com/grounding-api-redirect/emulator-2>)',
    );
  });

  it('sends no tools when search was not asked for', async () => {
    await imagine(harness, { prompt: 'a fox' });
    expect(geminiCall(harness, 0).search).toBe(false);
  });
});
