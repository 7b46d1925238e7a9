import type KeyvSqlite from '@keyv/sqlite';
import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageBudget } from '../../src/limits/usageBudget.js';
import type { ImageDamage } from '../emulators/gemini/index.js';
import { geminiCall } from './geminiCalls.js';
import { firstAttachmentBytes, imagine, mainText, PATIENCE, replyInThread, startConversation, waitForBotReplyTo, waitForThread } from './helpers.js';
import { useHarness } from './useHarness.js';

// Runs on both GEMINI_APIs (E2E_GEMINI_API): the broken images are scripted on both routes, and what
// Gemini was asked is read through geminiCalls.

const harness = useHarness({ env: { METRICS_PORT: '0' } });

const UNREADABLE = 'Gemini sent an image I could not read; please try again.';

/** /imagine, then the thread it opened. */


/**
 * What the ledger recorded in this server today, and each entry's outcome, through a second connection to the bot's
 * database, once it holds `generations`: usage is recorded once the answer's post settles, so it may land just after.
 */
async function recordedUsage(generations: number) {
  return vi.waitFor(async () => {
    const usage = await readUsage();
    expect(usage.today.generations).toBe(generations);
    return usage;
  }, PATIENCE);
}

async function readUsage() {
  const store = await openStore(harness.config.databaseUrl);
  try {
    const summary = await new UsageBudget(store.keyv, new PriceTable()).guildSummary(harness.discord.guildId);
    const rows = (await (store.keyv.store as KeyvSqlite).query("SELECT value FROM keyv WHERE key LIKE 'bot:usage-entry:%'")) as Array<{ value: string }>;
    const outcomes = rows.map((row) => (JSON.parse(row.value) as { value: { outcome: string } }).value.outcome).sort();
    return { today: summary.today, outcomes };
  } finally {
    await store.close();
  }
}

/** The thread stays usable, and the answer that was not kept is not in what the next reply sends: the first turn, then the new one. */
async function expectNextReplyWithoutThatAnswer(threadId: string, starter: { id: string }) {
  const next = await waitForBotReplyTo(harness, replyInThread(harness, threadId, starter, 'make it green'));
  expect(next.attachments).toHaveLength(1);
  const call = geminiCall(harness, 2);
  expect(call.status).toBe(200);
  expect(call.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
}

describe('an image Gemini sent that cannot be read', () => {
  it.each<ImageDamage>(['base64', 'magic', 'header'])(
    'with a broken %s is never posted: the member reads a plain sentence, the image is charged as billed, and nothing is kept',
    async (damage) => {
      harness.gemini.enqueue({ kind: 'image', damage: [damage] });
      const { message } = await imagine(harness, { prompt: 'a fox' });
      expect(message.attachments).toEqual([]);
      expect(mainText(message)).toBe(UNREADABLE);
      expect(message.components ?? []).toEqual([]); // no Reroll / Edit buttons on a failure
      expect(harness.discord.threads()).toEqual([]); // nothing stored, so no conversation was opened

      const usage = await recordedUsage(1);
      expect(usage.today).toMatchObject({ generations: 1, images: 1 });
      expect(usage.today.costUsd).toBeGreaterThan(0);
      expect(usage.outcomes).toEqual(['image-unreadable']);
      expect(harness.logLines.some((line) => line.includes('"outcome":"image-unreadable"'))).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${harness.bot.metricsAddress!.port}/metrics`)).text();
      expect(metrics).toMatch(/^nanobanana_generations_total\{[^}]*outcome="image-unreadable"[^}]*\} 1$/m);
      expect(metrics).not.toMatch(/^nanobanana_generations_total\{[^}]*outcome="images"/m);
    },
  );

  it('in a thread, leaves the thread usable: the next reply continues the history without the broken turn', async () => {
    const { starter, thread } = await startConversation(harness, { prompt: 'a fox' });
    harness.gemini.enqueue({ kind: 'image', damage: ['base64'] });
    const broken = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(broken.attachments).toEqual([]);
    expect(mainText(broken)).toBe(UNREADABLE);

    const next = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it green'));
    expect(next.attachments, next.content).toHaveLength(1);
    const call = geminiCall(harness, 2);
    expect(call.status).toBe(200);
    expect(call.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
    expect(call.asked).toEqual({ role: 'user', texts: ['make it green'], images: [] });

    // The reply after that still replays cleanly: the thread is not damaged.
    const third = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, next, 'add a hat'));
    expect(third.attachments).toHaveLength(1);
    expect(geminiCall(harness, 3).status).toBe(200);
  });

  it('among readable ones, is left out with a note; the answer is not kept, yet a reply to the posted image edits that image', async () => {
    const { thread, starter } = await startConversation(harness, { prompt: 'a fox' });
    harness.gemini.enqueue({ kind: 'image', images: 2, damage: ['intact', 'base64'] });
    const partial = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'two blue foxes'));
    expect(partial.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg']);
    expect(partial.content).toMatch(/1 of the images Gemini sent could not be read and was left out/);
    const posted = firstAttachmentBytes(harness, partial);
    expect(harness.gemini.imageInfo(posted)?.prompt).toBe('two blue foxes');

    const usage = await recordedUsage(2);
    expect(usage.today.images).toBe(3); // the first image, and both of the second answer's: Gemini billed them

    const edit = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, partial, 'now add a hat'));
    expect(edit.attachments).toHaveLength(1);
    const call = geminiCall(harness, 2);
    expect(call.status).toBe(200);
    // The history holds only the first exchange; the posted image travels with the new turn as a reference.
    expect(call.seen.map((turn) => turn.role)).toEqual(['user', 'model', 'user']);
    expect(call.asked).toEqual({ role: 'user', texts: ['now add a hat'], images: [posted.toString('base64')] });
  });

  it('with a declared type its bytes contradict is posted under its real type, and not kept (its replay would be refused)', async () => {
    const { thread, starter } = await startConversation(harness, { prompt: 'a fox' });
    harness.gemini.enqueue({ kind: 'image', damage: ['mislabelled'] });
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(answer.attachments.map((attachment) => attachment.filename)).toEqual(['image-1.jpg']);
    expect(answer.attachments[0]?.content_type).toBe('image/jpeg');
    // Logged once the answer is posted, as the turn decides not to keep it.
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('not kept in the history') && line.includes('image/png'))).toBe(true), PATIENCE);

    await expectNextReplyWithoutThatAnswer(thread.id, starter);
  });

  it('as an interim thought image in an answer without an image: its words are posted, and the answer is not kept', async () => {
    const { thread, starter } = await startConversation(harness, { prompt: 'a fox' });
    harness.gemini.enqueue({ kind: 'text-only', text: 'I would rather describe it.', thoughtImages: 1, thoughtDamage: 'base64' });
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(answer.attachments).toHaveLength(0);
    expect(answer.content).toContain('I would rather describe it.');
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('not kept in the history') && line.includes('interim image'))).toBe(true), PATIENCE);

    await expectNextReplyWithoutThatAnswer(thread.id, starter);
  });

  it('as an interim thought image beside a good final one: the final image is posted, and the answer is not kept', async () => {
    const { thread, starter } = await startConversation(harness, { prompt: 'a fox' });
    harness.gemini.enqueue({ kind: 'image', thoughtImages: 1, thoughtDamage: 'base64' });
    const answer = await waitForBotReplyTo(harness, replyInThread(harness, thread.id, starter, 'make it blue'));
    expect(answer.attachments).toHaveLength(1);
    expect(harness.gemini.imageInfo(firstAttachmentBytes(harness, answer))?.prompt).toBe('make it blue');

    await expectNextReplyWithoutThatAnswer(thread.id, starter);
  });
});
