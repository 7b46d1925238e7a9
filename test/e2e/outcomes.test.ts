// generateContent only (vitest.config.ts): its point is that API's finish reasons and promptFeedback. The Interactions
// API's outcomes are proven end to end in geminiInteractions.test.ts (text only, failed, incomplete, an unknown status,
// step errors) and status by status in test/gemini/parseInteraction.test.ts (an answer without its id too); the
// answers either API can give (none, words only, not JSON, a proxy's page) in imagine.test.ts on both.
import { describe, expect, it, vi } from 'vitest';
import { useHarness } from './useHarness.js';
import { imagine, PATIENCE } from './helpers.js';

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
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('does not know') && line.includes('A_REASON_FROM_THE_FUTURE'))).toBe(true), PATIENCE);
  });
});

