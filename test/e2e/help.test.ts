// Runs once (vitest.config.ts): /help never calls Gemini and shows nothing that depends on GEMINI_API.
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.js';
import { privateReply } from './settingsHelpers.js';
import { useHarness } from './useHarness.js';

const harness = useHarness();

describe('/help', () => {
  it("explains the bot in a short private embed, with the server's current limits", async () => {
    await privateReply(harness, harness.discord.users.alice, 'settings', 'limits', [
      { name: 'daily_images', type: 4, value: 5 },
      { name: 'monthly_budget_usd', type: 10, value: 20 },
    ]);
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.bob, name: 'help' });
    const reply = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId);
    expect(harness.discord.interaction(interactionId).ackFlags).toBe(64);
    const [embed] = reply.embeds;
    expect(embed?.title).toBe('Making images together with Gemini');
    const fields = Object.fromEntries((embed?.fields ?? []).map((field) => [field.name, field.value]));
    expect(Object.keys(fields)).toEqual(['/imagine', 'Edit by replying', 'Compose from your images', 'Buttons under each image', 'Your usage', 'On this server']);
    expect(fields['Buttons under each image']).toMatch(/Reroll.*Edit.*Upscale.*Branch.*Delete/);
    expect(fields['On this server']).toContain('Images per member per day: 5');
    expect(fields['On this server']).toContain('Monthly budget: $20.00');
    expect(fields['On this server']).toContain('Model: gemini-3-pro-image');
  });

  it('stays within Discord\'s 1,024 characters per embed field when the server allows many channels', async () => {
    const channelIds = Array.from({ length: 45 }, (_, index) => String(1_300_000_000_000_000_000n + BigInt(index)));
    const store = await openStore(harness.config.databaseUrl);
    await store.keyv.set(`guild-settings:${harness.discord.guildId}`, { version: 1, channelIds: [harness.discord.channelId, ...channelIds] });
    await store.close();
    const { interactionId } = harness.discord.sendSlashCommand({ user: harness.discord.users.bob, name: 'help' });
    const reply = await harness.discord.waitForMessage((message) => message.id === harness.discord.interaction(interactionId).originalMessageId);
    const field = reply.embeds[0]?.fields?.find((candidate) => candidate.name === 'On this server')?.value ?? '';
    expect(field).toContain('and 36 more');
    expect(field.length).toBeLessThanOrEqual(1_024);
  });
});
