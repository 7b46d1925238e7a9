import type { ImageSettings } from './imageOptions.js';
import type { InteractionStep } from './interactionSteps.js';

/**
 * The body of one `POST /interactions` (snake_case, as the API spells it):
 * the input steps (only the new turn when continuing `previousId`, else the
 * whole history), and the options that apply to this interaction only, so
 * sent every turn (FACTS): Google Search, and the image's aspect ratio and
 * size in `response_format` (not the deprecated `image_config`). Image texts
 * in the steps may be BodyImage slots, written as the body streams.
 * Without `drafts` (nobody watches: previews off, or not streamed) it asks
 * for no thought summaries (`thinking_summaries: "none"`), so Gemini's
 * interim images are neither sent nor kept, as generateContent asks for no
 * thoughts then; Google sends summaries by default ("auto").
 */
export function buildInteractionRequest(
  input: InteractionStep[],
  request: { model: string; settings: ImageSettings; search: boolean },
  options: { previousId?: string | undefined; stream: boolean; drafts: boolean },
): Record<string, unknown> {
  return {
    model: request.model,
    input,
    ...(options.previousId ? { previous_interaction_id: options.previousId } : {}),
    ...(request.search ? { tools: [{ type: 'google_search' }] } : {}),
    response_format: [{ type: 'text' }, imageFormat(request.settings)],
    ...(options.drafts ? {} : { generation_config: { thinking_summaries: 'none' } }),
    ...(options.stream ? { stream: true } : {}),
  };
}

function imageFormat(settings: ImageSettings): Record<string, string> {
  return {
    type: 'image',
    ...(settings.aspectRatio ? { aspect_ratio: settings.aspectRatio } : {}),
    ...(settings.imageSize ? { image_size: settings.imageSize } : {}),
  };
}
