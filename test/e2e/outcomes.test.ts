// generateContent only (vitest.config.ts): its point is that API's finish reasons and promptFeedback; the Interactions API's outcomes (text only, failed, incomplete, step errors) are proven in geminiInteractions.test.ts.
import { describe, expect, it } from 'vitest';
import { useHarness } from './useHarness.js';
import { imagine, mainText } from './helpers.js';

const harness = useHarness();

/** Words that must never reach a user: raw JSON, bare statuses, undefined, stack traces. */
function expectReadable(content: string) {
  expect(content.length).toBeGreaterThan(20);
  expect(content).not.toMatch(/[{}]|\bundefined\b|\bnull\b|\n\s+at |\b(400|403|404|429|500|503)\b/);
}

describe('every way Gemini can say no, in plain words', () => {
  it.each(['SAFETY', 'OTHER', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'IMAGE_SAFETY'])('a prompt refused for %s', async (reason) => {
    harness.gemini.enqueue({ kind: 'prompt-blocked', reason });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(message.attachments).toHaveLength(0);
    expect(message.content).toContain('Gemini refused this request');
    expect(message.content).toContain(`(${reason.toLowerCase().replace(/_/g, ' ')})`);
    expectReadable(message.content);
  });

  it.each([
    ['IMAGE_SAFETY', /remove the reference image/],
    ['IMAGE_PROHIBITED_CONTENT', /Ask for something else/],
    ['IMAGE_RECITATION', /more original/],
    ['SAFETY', /Rephrase/],
    ['PROHIBITED_CONTENT', /Ask for something else/],
    ['BLOCKLIST', /without that word/],
    ['SPII', /personal details/],
    ['RECITATION', /more original/],
  ])('an image stopped by the %s filter', async (reason, advice) => {
    harness.gemini.enqueue({ kind: 'finish', reason });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(message.content).toContain("Gemini's filter stopped the image");
    expect(message.content).toMatch(advice);
    expectReadable(message.content);
  });

  it.each([
    ['NO_IMAGE', /decided not to draw/],
    ['MAX_TOKENS', /ran out of room/],
    ['IMAGE_OTHER', /without saying why/],
    ['OTHER', /without saying why/],
    ['A_REASON_FROM_THE_FUTURE', /does not know yet/],
  ])('no image because of %s', async (reason, explanation) => {
    harness.gemini.enqueue({ kind: 'finish', reason, text: 'Sorry about that.' });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(message.content).toMatch(explanation);
    expect(message.content).toContain('Sorry about that.');
    expectReadable(message.content);
  });

  it('logs a reason it does not know, so the table can grow', async () => {
    harness.gemini.enqueue({ kind: 'finish', reason: 'A_REASON_FROM_THE_FUTURE' });
    await imagine(harness, { prompt: 'something' });
    expect(harness.logLines.some((line) => line.includes('does not know') && line.includes('A_REASON_FROM_THE_FUTURE'))).toBe(true);
  });

  it('an empty candidate list', async () => {
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
    harness.gemini.enqueue({ kind: 'raw', status: 200, body: '{"candidates": [{"content"', contentType: 'application/json' });
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(mainText(message)).toBe('Gemini sent an answer I could not understand. Please try again.');
    expect(harness.gemini.requests).toHaveLength(1);
  });

  it('an HTML error page from a proxy in front of Gemini is read as the server error it is, retried, then explained', async () => {
    const page = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    harness.gemini.enqueue(...Array.from({ length: 4 }, () => ({ kind: 'raw' as const, status: 502, body: page })));
    const { message } = await imagine(harness, { prompt: 'something' });
    expect(mainText(message)).toBe('Gemini is having trouble right now. Please try again in a moment.');
    expect(harness.gemini.requests.length).toBeGreaterThan(1);
    expectReadable(mainText(message));
  });
});

