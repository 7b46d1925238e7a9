import { describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageBudget } from '../../src/limits/usageBudget.js';
import { holdTheAnswersPost, imagine, PATIENCE } from './helpers.js';
import { useHarness } from './useHarness.js';

const harness = useHarness();

async function readGenerations(): Promise<number> {
  const store = await openStore(harness.config.databaseUrl);
  try {
    const summary = await new UsageBudget(store.keyv, new PriceTable()).guildSummary(harness.discord.guildId);
    return summary.today.generations;
  } finally {
    await store.close();
  }
}

describe('a generation billed while the bot stops during its upload', () => {
  // Review 6 F1: the usage commit starts once the post settles, and the stop closes the store soon after it interrupts
  // turns; a post still on its way then must not leave Gemini's bill uncounted.
  it('is still counted in the usage ledger (the commit is not left for after the store closed)', async () => {
    const { held, answer } = holdTheAnswersPost(harness);
    void imagine(harness, { prompt: 'a fox' }).catch(() => undefined);
    await held; // Gemini answered and billed; the answer's upload is in flight
    const stopped = harness.bot.stop(50);
    await vi.waitFor(() => expect(harness.logLines.some((line) => line.includes('"bot stopped"'))).toBe(true), PATIENCE);
    answer();
    await stopped;
    // Whatever became of the post, the generation must be in the ledger.
    await vi.waitFor(async () => expect(await readGenerations()).toBe(1), { timeout: 5_000, interval: 200 });
  });
});
