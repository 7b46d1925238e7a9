import type { GeminiContent, GenerateContentRequest } from './geminiTypes.js';
import type { ImageSettings } from './imageOptions.js';

/**
 * The body of one generateContent call: the whole conversation so far plus
 * the new user turn. Image output must be asked for explicitly, and only the
 * image options the user chose are sent (Gemini's defaults apply otherwise).
 * `includeThoughts` asks for Gemini's drafts (the previews' sketches).
 */
export function buildGenerateRequest<Content = GeminiContent>(
  contents: Content[],
  settings: ImageSettings,
  options: { search?: boolean; includeThoughts?: boolean } = {},
): GenerateContentRequest<Content> {
  const imageConfig: { aspectRatio?: string; imageSize?: string } = {};
  if (settings.aspectRatio) imageConfig.aspectRatio = settings.aspectRatio;
  if (settings.imageSize) imageConfig.imageSize = settings.imageSize;
  return {
    contents,
    // Google Search grounding, for pictures of current things (weather, scores, news).
    ...(options.search ? { tools: [{ googleSearch: {} }] } : {}),
    generationConfig: {
      responseModalities: ['TEXT', 'IMAGE'],
      ...(Object.keys(imageConfig).length > 0 ? { imageConfig } : {}),
      // Gemini's drafts (thought text and interim images) for the live previews. They are part of the answer
      // as it came, so they are kept and replayed with the history: asked for only when someone watches.
      ...(options.includeThoughts ? { thinkingConfig: { includeThoughts: true as const } } : {}),
    },
  };
}
