// Which imageConfig values each model takes, from Google's image generation
// docs (collected in FACTS.md "Gemini image models"). The emulator keeps its
// own copy of these facts rather than importing the bot's table, so a bot
// whose table is wrong is caught here, as the real API would catch it.

export interface ImageOptionRange {
  aspectRatios: readonly string[];
  imageSizes: readonly string[];
}

const TEN_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'];

const PRO_IMAGE: ImageOptionRange = { aspectRatios: TEN_RATIOS, imageSizes: ['1K', '2K', '4K'] };

export const MODEL_IMAGE_OPTIONS: Readonly<Record<string, ImageOptionRange>> = {
  'gemini-3-pro-image': PRO_IMAGE,
  'gemini-3.1-flash-image': { aspectRatios: [...TEN_RATIOS, '1:4', '4:1', '1:8', '8:1'], imageSizes: ['512', '1K', '2K', '4K'] },
};

/**
 * What a model served without an entry takes (a test adds models with
 * `models` and may say what they take with `imageOptions`): Pro's range.
 */
export function imageOptionsOf(model: string, overrides: Readonly<Record<string, ImageOptionRange>>): ImageOptionRange {
  return overrides[model] ?? (Object.hasOwn(MODEL_IMAGE_OPTIONS, model) ? MODEL_IMAGE_OPTIONS[model]! : PRO_IMAGE);
}
