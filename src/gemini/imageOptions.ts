/**
 * The image options each Gemini model accepts: one table feeds the command
 * suggestions, the checks before a call, /settings image and the Upscale
 * buttons. The facts are Google's (image generation docs, as gathered in
 * /work/shared/FACTS.md "Gemini image models", late 2026):
 * gemini-3-pro-image takes ten aspect ratios and 1K/2K/4K;
 * gemini-3.1-flash-image also takes 1:4, 4:1, 1:8, 8:1 and the size "512".
 * Gemini rejects an option a model does not take with 400 INVALID_ARGUMENT.
 */

/** The ten ratios every Gemini 3 image model takes. */
const COMMON_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** The extreme ratios only gemini-3.1-flash-image takes. */
const EXTREME_RATIOS = ['1:4', '4:1', '1:8', '8:1'] as const;

/** Every aspect ratio some model takes: what a stored record or setting may hold. */
export const ASPECT_RATIOS = [...COMMON_RATIOS, ...EXTREME_RATIOS] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** Every size some model takes, smallest first. Gemini rejects a lower-case "k". */
export const IMAGE_SIZES = ['512', '1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

export interface ImageSettings {
  aspectRatio?: AspectRatio | undefined;
  imageSize?: ImageSize | undefined;
}

/** Image options as a member or a button asked for them: any text, until checked against the model (checkImageOptions). */
export interface RequestedImageSettings {
  aspectRatio?: string | undefined;
  imageSize?: string | undefined;
}

/** What one model accepts, in the order members are offered them. */
export interface ModelRange {
  aspectRatios: readonly AspectRatio[];
  imageSizes: readonly ImageSize[];
}

const MODEL_RANGES: Readonly<Record<string, ModelRange>> = {
  'gemini-3-pro-image': { aspectRatios: COMMON_RATIOS, imageSizes: ['1K', '2K', '4K'] },
  'gemini-3.1-flash-image': { aspectRatios: ASPECT_RATIOS, imageSizes: IMAGE_SIZES },
};

/**
 * A model the table does not know (an operator adds ids such as
 * gemini-nano-banana-2.1 to GEMINI_MODELS before anyone documents them):
 * only what every Gemini image model takes, the ten common ratios at the
 * 1K size Gemini makes by default. A larger size could be refused by the
 * model, so none is offered until the table names it.
 */
export const UNKNOWN_MODEL_RANGE: ModelRange = { aspectRatios: COMMON_RATIOS, imageSizes: ['1K'] };

export function rangeOf(model: string): ModelRange {
  return Object.hasOwn(MODEL_RANGES, model) ? MODEL_RANGES[model]! : UNKNOWN_MODEL_RANGE;
}

/** An option a model does not take, with what it takes instead. */
export interface OptionNotTaken {
  option: 'aspect-ratio' | 'size';
  value: string;
  accepted: readonly string[];
}

export type CheckedImageOptions = { ok: true; settings: ImageSettings } | { ok: false; problem: OptionNotTaken };

/**
 * The options checked against what `model` takes (the aspect ratio first).
 * Exact match, as Gemini matches: "2k" is not "2K". Absent options stay
 * absent: Gemini then uses its own defaults (1:1, 1K), which every model takes.
 */
export function checkImageOptions(model: string, requested: RequestedImageSettings): CheckedImageOptions {
  const range = rangeOf(model);
  const { aspectRatio, imageSize } = requested;
  if (aspectRatio !== undefined && !includes(range.aspectRatios, aspectRatio)) {
    return { ok: false, problem: { option: 'aspect-ratio', value: aspectRatio, accepted: range.aspectRatios } };
  }
  if (imageSize !== undefined && !includes(range.imageSizes, imageSize)) {
    return { ok: false, problem: { option: 'size', value: imageSize, accepted: range.imageSizes } };
  }
  return {
    ok: true,
    settings: {
      ...(aspectRatio !== undefined ? { aspectRatio: aspectRatio as AspectRatio } : {}),
      ...(imageSize !== undefined ? { imageSize: imageSize as ImageSize } : {}),
    },
  };
}

/**
 * Defaults as a model can use them: an option it does not take is left out,
 * so Gemini's own default applies (a server's 1:8 default is not the
 * member's choice when they pick a model without 1:8).
 */
export function optionsTakenBy(model: string, settings: ImageSettings): ImageSettings {
  const range = rangeOf(model);
  return {
    ...(settings.aspectRatio !== undefined && range.aspectRatios.includes(settings.aspectRatio) ? { aspectRatio: settings.aspectRatio } : {}),
    ...(settings.imageSize !== undefined && range.imageSizes.includes(settings.imageSize) ? { imageSize: settings.imageSize } : {}),
  };
}

/**
 * Default image options as chosen, before a model decides which it makes:
 * the server's own (/settings image) over the environment's
 * (DEFAULT_ASPECT_RATIO, DEFAULT_IMAGE_SIZE). Kept whole, so a default the
 * server's model does not make still applies to a turn whose model does.
 */
export interface ChosenDefaults {
  server: ImageSettings;
  environment: ImageSettings;
}

/**
 * The defaults a turn of `model` starts from: for each option the server's
 * when the model makes it, else the environment's when it makes that, else
 * none (Gemini's own default). A server that chose 1:8 on Flash and then
 * moved to Pro gets 1:8 back for a member who picks Flash.
 */
export function defaultsFor(model: string, chosen: ChosenDefaults): ImageSettings {
  const server = optionsTakenBy(model, chosen.server);
  const environment = optionsTakenBy(model, chosen.environment);
  const aspectRatio = server.aspectRatio ?? environment.aspectRatio;
  const imageSize = server.imageSize ?? environment.imageSize;
  return { ...(aspectRatio !== undefined ? { aspectRatio } : {}), ...(imageSize !== undefined ? { imageSize } : {}) };
}

function includes<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}
