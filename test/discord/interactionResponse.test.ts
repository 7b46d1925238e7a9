import type { RepliableInteraction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { InteractionResponse } from '../../src/discord/interactionResponse.js';

/**
 * An interaction as discord.js keeps it: `deferred` and `replied` turn true
 * only once Discord confirmed, and every call is recorded in order. The
 * deferral is confirmed when the test says so.
 */
function fakeInteraction(options: { deferralFails?: boolean; refuseEverything?: boolean } = {}) {
  const calls: string[] = [];
  let confirmDeferral: () => void = () => undefined;
  const interaction = {
    deferred: false,
    replied: false,
    deferReply() {
      calls.push('deferReply');
      return new Promise<void>((resolve, reject) => {
        confirmDeferral = () => {
          if (options.deferralFails) return reject(new Error('Unknown interaction'));
          interaction.deferred = true;
          resolve();
        };
      });
    },
    async editReply(payload: { content: string }) {
      if (options.refuseEverything) throw new Error('Invalid Webhook Token');
      calls.push(`editReply: ${payload.content}`);
      interaction.replied = true;
    },
    async reply(payload: { content: string; flags?: number }) {
      if (interaction.deferred || interaction.replied) throw new Error('already acknowledged');
      calls.push(`reply(${payload.flags}): ${payload.content}`);
      interaction.replied = true;
    },
    async followUp(payload: { content: string; flags?: number }) {
      calls.push(`followUp(${payload.flags}): ${payload.content}`);
    },
  };
  return { interaction: interaction as unknown as RepliableInteraction, calls, confirmDeferral: () => confirmDeferral() };
}

describe('InteractionResponse.explain', () => {
  it('waits for a deferral still on its way, then edits the deferred reply (never a second first answer)', async () => {
    const fake = fakeInteraction();
    const response = new InteractionResponse(fake.interaction);
    void response.defer('public');
    const told = response.explain('Something went wrong.');
    await Promise.resolve();
    expect(fake.calls).toEqual(['deferReply']);
    fake.confirmDeferral();
    expect(await told).toBe(true);
    expect(fake.calls).toEqual(['deferReply', 'editReply: Something went wrong.']);
  });

  it('replies privately when nothing was sent yet', async () => {
    const fake = fakeInteraction();
    expect(await new InteractionResponse(fake.interaction).explain('No.')).toBe(true);
    expect(fake.calls).toEqual(['reply(64): No.']);
  });

  it('replies privately when the deferral itself failed', async () => {
    const fake = fakeInteraction({ deferralFails: true });
    const response = new InteractionResponse(fake.interaction);
    void response.defer('private');
    fake.confirmDeferral();
    expect(await response.explain('No.')).toBe(true);
    expect(fake.calls).toEqual(['deferReply', 'reply(64): No.']);
  });

  it('follows up privately once the answer is in the reply, so a posted image keeps its words', async () => {
    const fake = fakeInteraction();
    const response = new InteractionResponse(fake.interaction);
    const deferral = response.defer('public');
    fake.confirmDeferral();
    await deferral;
    response.markAnswered();
    await response.explain('Something went wrong.');
    expect(fake.calls).toEqual(['deferReply', 'followUp(64): Something went wrong.']);
  });

  it('says false, without throwing, when Discord takes nothing', async () => {
    const fake = fakeInteraction({ refuseEverything: true });
    const response = new InteractionResponse(fake.interaction);
    void response.defer('public');
    fake.confirmDeferral();
    expect(await response.explain('x')).toBe(false);
  });

  it('defers once, however often asked', () => {
    const fake = fakeInteraction();
    const response = new InteractionResponse(fake.interaction);
    expect(response.defer('public')).toBe(response.defer('public'));
    expect(fake.calls).toEqual(['deferReply']);
  });
});
