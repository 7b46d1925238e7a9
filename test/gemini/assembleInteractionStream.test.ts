import { describe, expect, it } from 'vitest';
import { assembleInteractionStream } from '../../src/gemini/assembleInteractionStream.js';

const events = [
  { event_type: 'interaction.created', interaction: { id: 'v1_a', status: 'in_progress' } },
  { event_type: 'step.start', index: 0, step: { type: 'model_output' } },
  { event_type: 'step.delta', index: 0, delta: { type: 'text', text: 'A fox' } },
  { event_type: 'interaction.completed', interaction: { id: 'v1_a', status: 'completed' } },
];

describe('assembleInteractionStream', () => {
  it('skips an event type it does not know whatever its fields hold, and still rebuilds the interaction', () => {
    const answer = assembleInteractionStream();
    const withNewEvent = [...events.slice(0, 2), { event_type: 'step.progress', index: 'first', step: 'not an object' }, ...events.slice(2)];
    expect(withNewEvent.map((event) => answer.add(event))).toEqual(withNewEvent.map(() => ({ parts: [] })));
    expect(answer.finished()).toBe(true);
    expect(answer.interaction()).toEqual({ id: 'v1_a', status: 'completed', steps: [{ type: 'model_output', content: [{ type: 'text', text: 'A fox' }] }] });
  });

  it('still finds a known event of the wrong shape invalid, and anything without an event type', () => {
    const answer = assembleInteractionStream();
    expect(answer.add({ event_type: 'step.delta', index: 'first', delta: {} })).toEqual({ invalid: true });
    expect(answer.add({ index: 0 })).toEqual({ invalid: true });
    expect(answer.add('text')).toEqual({ invalid: true });
  });
});
