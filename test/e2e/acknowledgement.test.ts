import { describe, expect, it } from 'vitest';
import { useHarness } from './useHarness.js';
import { imagine, mainText } from './helpers.js';

// A tighter deadline than Discord's 3 s, so a slow acknowledgement cannot pass by luck.
const harness = useHarness({ discord: { interactionAckDeadlineMs: 500 } });

describe('acknowledging an interaction', () => {
  it('defers before Gemini answers, so a slow generation still reaches the user', async () => {
    harness.gemini.enqueue({ kind: 'delay', ms: 1_200, then: { kind: 'image', text: 'slow fox' } });
    const { interactionId, message } = await imagine(harness, { prompt: 'a slow fox' });
    const interaction = harness.discord.interaction(interactionId);
    expect(interaction.ackType).toBe(5);
    expect(interaction.ackedAt! - interaction.createdAt).toBeLessThan(500);
    expect(mainText(message)).toBe('slow fox');
    expect(message.attachments).toHaveLength(1);
  });
});
