import { describe, expect, it } from 'vitest';
import { heldAnswer } from '../emulators/gemini/index.js';
import { useHarness } from './useHarness.js';
import { geminiCalls } from './geminiCalls.js';
import { isBotMessage, isProgressNote, mainText } from './helpers.js';

// The emulator enforces Discord's 3 s to acknowledge: a later callback gets 10062, as on Discord.
// Runs on both GEMINI_APIs (E2E_GEMINI_API): what Gemini was asked is read through geminiCalls.
const harness = useHarness();

describe('acknowledging an interaction', () => {
  it('defers before Gemini answers, so a slow generation still reaches the user', async () => {
    // Gemini answers only once the interaction is acknowledged: a bot that waited for Gemini first would never answer.
    const gemini = heldAnswer({ kind: 'image', text: 'slow fox' });
    harness.gemini.enqueue(gemini.behaviour);
    const { interactionId } = harness.discord.sendSlashCommand({
      user: harness.discord.users.alice,
      name: 'imagine',
      options: [{ name: 'prompt', type: 3, value: 'a slow fox' }],
    });
    const acknowledged = await harness.discord.waitForInteractionResponse(interactionId);
    expect(acknowledged.ackType).toBe(5);
    expect(geminiCalls(harness).every((call) => call.status === 0)).toBe(true);
    // Discord's limit, not a guess: the bot defers first thing, so it has the whole 3 s however slow the machine.
    expect(acknowledged.ackedAt! - acknowledged.createdAt).toBeLessThan(3_000);
    gemini.release();

    const message = await harness.discord.waitForMessage(
      (candidate) => isBotMessage(harness, candidate) && candidate.id === acknowledged.originalMessageId && !isProgressNote(candidate),
    );
    expect(mainText(message)).toBe('slow fox');
    expect(message.attachments).toHaveLength(1);
  });
});
