import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageBudget } from '../../src/limits/usageBudget.js';
import { nextUtcDay, nextUtcMonth } from '../../src/usage/usagePeriods.js';
import type { User } from '../emulators/discord/index.js';
import { PATIENCE } from './helpers.js';
import { useHarness } from './useHarness.js';
import { geminiCalls } from './geminiCalls.js';
import { privateReply } from './settingsHelpers.js';

const harness = useHarness();

/**
 * Generations recorded the way the turn runner records them (reserve, then commit), through
 * a second connection to the bot's own database: /usage must read what any process wrote.
 */
async function recordGenerations(generations: Array<{ user: User; at: Date; images: number; promptTokens: number }>) {
  const store = await openStore(harness.config.databaseUrl);
  try {
    for (const generation of generations) {
      const ledger = new UsageBudget(store.keyv, new PriceTable(), { now: () => generation.at });
      const reserved = await ledger.reserve({
        guildId: harness.discord.guildId,
        userId: generation.user.id,
        model: 'gemini-3-pro-image',
        imageSize: '1K',
        limits: { dailyImageLimit: 0, monthlyBudgetUsd: 0 },
      });
      if (!reserved.ok) throw new Error('no limits were set, yet the reservation was refused');
      await reserved.reservation.commit({ images: generation.images, usage: { promptTokens: generation.promptTokens }, outcome: generation.images > 0 ? 'images' : 'blocked' });
    }
  } finally {
    await store.close();
  }
}

const relative = (at: Date) => `<t:${Math.floor(at.getTime() / 1000)}:R>`;

describe('/usage', () => {
  it('shows a member their own images today and this month, and nothing about the server', async () => {
    const now = new Date();
    const startOfMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 0, 0, 1));
    const earlierToday = now.getUTCDate() === 1; // On the 1st, the start of the month is today.
    const { alice, bob } = harness.discord.users;
    await recordGenerations([
      { user: bob, at: startOfMonth, images: 1, promptTokens: 500 },
      { user: bob, at: now, images: 1, promptTokens: 500 },
      { user: bob, at: now, images: 0, promptTokens: 500 },
      { user: alice, at: now, images: 1, promptTokens: 500 },
    ]);
    expect(await privateReply(harness, bob, 'usage')).toBe(`You made ${earlierToday ? 2 : 1} image${earlierToday ? 's' : ''} today and 2 images this month.`);
    expect(await privateReply(harness, harness.discord.users.carol, 'usage')).toBe('You made 0 images today and 0 images this month.');
  });

  it('counts an image Gemini made and billed even when Discord refuses to show it', async () => {
    const { bob } = harness.discord.users;
    // The answer is the deferred reply's first edit: Discord refuses it once; the member then reads why (the next edit).
    harness.discord.injectFault({ method: 'PATCH', path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/, error: { status: 400, code: 50035, message: 'Invalid Form Body' } });
    const { interactionId } = harness.discord.sendSlashCommand({ user: bob, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a fox' }] });
    await vi.waitFor(() => expect(harness.discord.interaction(interactionId).originalCreated).toBe(true), PATIENCE);
    const told = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId);
    expect(told.content).toMatch(/^Something went wrong on my side \(reference [0-9a-f]{8}\)\. Please try again\.$/);
    expect(told.attachments).toEqual([]);
    expect(geminiCalls(harness)).toHaveLength(1);
    // Recorded before the turn ended, so before the member was told: no wait needed.
    expect(await privateReply(harness, bob, 'usage')).toBe('You made 1 image today and 1 image this month.');
  });

  it('shows members with Manage Server the server\'s images and estimated spend against the limits set with /settings', async () => {
    const now = new Date();
    const { alice, bob } = harness.discord.users;
    await privateReply(harness, alice, 'settings', 'limits', [
      { type: 4, name: 'daily_images', value: 3 },
      { type: 10, name: 'monthly_budget_usd', value: 5 },
    ]);
    await recordGenerations([
      { user: alice, at: now, images: 1, promptTokens: 1_000 },
      { user: bob, at: now, images: 2, promptTokens: 1_000 },
    ]);
    // 3 images at $0.134 plus 2,000 input tokens at $2 per million.
    expect(await privateReply(harness, alice, 'usage')).toBe(
      [
        `You made 1 image today (of 3 a day; resets ${relative(nextUtcDay(now))}) and 1 image this month.`,
        `This server made 3 images today (estimated $0.406) and 3 images this month (estimated $0.406 of its $5.00 monthly budget, which resets ${relative(nextUtcMonth(now))}).`,
      ].join('\n'),
    );
    expect(await privateReply(harness, bob, 'usage')).toBe(`You made 2 images today (of 3 a day; resets ${relative(nextUtcDay(now))}) and 2 images this month.`);
  });
});
