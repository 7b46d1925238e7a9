import { describe, expect, it } from 'vitest';
import { buildInteractionRequest } from '../../src/gemini/buildInteractionRequest.js';

const input = [{ type: 'user_input', content: [{ type: 'text', text: 'a fox' }] }];

describe('buildInteractionRequest', () => {
  it('continues an interaction with only the new input, image options in response_format, streamed, grounded and with drafts when asked', () => {
    const body = buildInteractionRequest(input, { model: 'gemini-3-pro-image', settings: { aspectRatio: '16:9', imageSize: '2K' }, search: true }, { previousId: 'v1_a', stream: true, drafts: true });
    expect(body).toEqual({
      model: 'gemini-3-pro-image',
      input,
      previous_interaction_id: 'v1_a',
      tools: [{ type: 'google_search' }],
      response_format: [{ type: 'text' }, { type: 'image', aspect_ratio: '16:9', image_size: '2K' }],
      stream: true,
    });
  });

  it('sends no previous id, tools, stream flag or image option the turn does not have, and asks for no drafts nobody watches', () => {
    expect(buildInteractionRequest(input, { model: 'm', settings: {}, search: false }, { stream: false, drafts: false })).toEqual({
      model: 'm',
      input,
      response_format: [{ type: 'text' }, { type: 'image' }],
      generation_config: { thinking_summaries: 'none' },
    });
  });
});
