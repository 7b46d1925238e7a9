import { describe, expect, it } from 'vitest';
import { useHarness } from './useHarness.js';
import { privateReply } from './settingsHelpers.js';
import { firstAttachmentBytes, geminiBody, imagine, inlineData, mainText, modelContentAnswered, replyInThread, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';

// generateContent only: its point is that API's wire format (the history replayed byte for byte, thoughts and signatures, either spelling,
// the thinking config that asks for sketches).
const harness = useHarness({ env: { GEMINI_API: 'generate-content' } });



describe('generateContent: an /imagine on the wire', () => {
  it('sends exactly the prompt and the chosen image options, nothing more (no tools without search)', async () => {
    await imagine(harness, { prompt: 'a lighthouse', aspectRatio: '21:9', size: '4K' });
    await imagine(harness, { prompt: 'a plain square' });
    expect(harness.gemini.requests.map((request) => [request.model, request.status])).toEqual([['gemini-3-pro-image', 200], ['gemini-3-pro-image', 200]]);
    expect(geminiBody(harness, 0)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a lighthouse' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '21:9', imageSize: '4K' }, thinkingConfig: { includeThoughts: true } },
    });
    expect(geminiBody(harness, 1)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a plain square' }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'], thinkingConfig: { includeThoughts: true } },
    });
  });
});

describe('generateContent: the history replayed on the wire', () => {
  it('replays every earlier model turn exactly as answered, thought parts and signatures included', async () => {
    harness.gemini.enqueue({ kind: 'image', text: 'A fox.', thoughtImages: 2 }, { kind: 'image', text: 'A blue fox.' }, { kind: 'image', text: 'A blue fox with a hat.' });
    const { starter, thread } = await startConversation(harness, { prompt: 'a watercolor fox', aspectRatio: '16:9' });
    const second = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'now make the fox blue'));
    const third = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, second, 'give it a hat'));
    expect(mainText(third)).toBe('A blue fox with a hat.');

    const body = geminiBody(harness, 2);
    expect(body.contents.map((content) => content.role)).toEqual(['user', 'model', 'user', 'model', 'user']);
    expect(body.contents[0]?.parts).toEqual([{ text: 'a watercolor fox' }]);
    expect(body.contents[4]?.parts).toEqual([{ text: 'give it a hat' }]);
    expect(body.contents[1]).toEqual(modelContentAnswered(harness, 0));
    expect(body.contents[3]).toEqual(modelContentAnswered(harness, 1));
    expect(body.contents[1]?.parts.filter((part) => part['thought'] === true).length).toBeGreaterThan(0);
    const replayedImage = body.contents[1]?.parts.filter((part) => inlineData(part) && part['thought'] !== true).map(inlineData)[0];
    expect(replayedImage?.mimeType).toBe('image/jpeg');
    expect(Buffer.from(replayedImage!.data, 'base64').equals(firstAttachmentBytes(harness, starter))).toBe(true);
    expect(body.generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9' }, thinkingConfig: { includeThoughts: true } });
  });
});

describe('Gemini answering in snake_case', () => {
  it('replays the answer in its own spelling and the edit is accepted', async () => {
    harness.gemini.setCaseStyle('snake');
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox', aspectRatio: '16:9' });
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(answer.attachments).toHaveLength(1);
    expect(answer.attachments[0]?.filename).toBe('image-1.jpg');
    expect(harness.gemini.requests[1]?.status).toBe(200);
    const replayed = geminiBody(harness, 1).contents[1];
    expect(replayed).toEqual(modelContentAnswered(harness, 0));
    expect(JSON.stringify(replayed)).toContain('thought_signature');
  });
});

describe('generateContent: thoughts asked for the sketches', () => {
  it('are asked for (thinkingConfig.includeThoughts) on a streamed call with previews on, and not with previews off', async () => {
    await imagine(harness, { prompt: 'a fox' });
    expect(await privateReply(harness, harness.discord.users.alice, 'settings', 'previews', [{ type: 3, name: 'state', value: 'off' }])).toMatch(/without sketches/);
    await imagine(harness, { prompt: 'a cat' });
    expect(harness.gemini.requests.map((request) => [request.method, request.alt, request.streamEnd])).toEqual([
      ['streamGenerateContent', 'sse', 'complete'],
      ['streamGenerateContent', 'sse', 'complete'],
    ]);
    expect(geminiBody(harness, 0).generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], thinkingConfig: { includeThoughts: true } });
    expect(geminiBody(harness, 1).generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'] });
  });
});

describe('a model that does not think', () => {
  const harness = useHarness({ env: { GEMINI_API: 'generate-content' }, gemini: { withoutThinking: ['gemini-3-pro-image'] } });

  it("is asked again at once without includeThoughts when Gemini refuses it, and never asked with it again; logged once", async () => {
    const first = (await imagine(harness, { prompt: 'a fox' })).message;
    expect(first.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg']);
    expect(harness.gemini.requests.map((request) => request.status)).toEqual([400, 200]);
    expect(geminiBody(harness, 0).generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'], thinkingConfig: { includeThoughts: true } });
    expect(geminiBody(harness, 1).generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'] });
    const second = (await imagine(harness, { prompt: 'a cat' })).message;
    expect(second.attachments).toHaveLength(1);
    expect(harness.gemini.requests.map((request) => request.status)).toEqual([400, 200, 200]);
    expect(geminiBody(harness, 2).generationConfig).toEqual({ responseModalities: ['TEXT', 'IMAGE'] });
    expect(harness.logLines.filter((line) => line.includes('refused includeThoughts'))).toHaveLength(1);
  });
});
