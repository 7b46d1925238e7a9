import { z } from 'zod';

/**
 * The image options each Gemini model accepts: one table feeds the command
 * suggestions, the checks before a call, /settings image and the Upscale
 * buttons. The facts are Google's (image generation docs, as gathered in
 * /work/shared/FACTS.md "Gemini image models", late 2026):
 * gemini-3-pro-image takes ten aspect ratios and 1K/2K/4K;
 * gemini-3.1-flash-image also takes 1:4, 4:1, 1:8, 8:1 and the size "512".
 * Gemini rejects an option a model does not take with 400 INVALID_ARGUMENT.
 * An operator declares a model the table lacks in GEMINI_MODEL_OPTIONS.
 */

/** The ten ratios every Gemini 3 image model takes. */
const COMMON_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
/** The extreme ratios only gemini-3.1-flash-image takes. */
const EXTREME_RATIOS = ['1:4', '4:1', '1:8', '8:1'] as const;

/** Every aspect ratio some model takes: what a stored record or setting may hold. */
export const ASPECT_RATIOS = [...COMMON_RATIOS, ...EXTREME_RATIOS] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** Every size some model takes, smallest first. Gemini rejects a lower-case "k" (spelledAsGemini corrects it). */
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
  /**
   * False for a model neither the built-in table nor the operator's
   * GEMINI_MODEL_OPTIONS names: its range is a cautious guess, and a refusal
   * must say so rather than claim the model does not make an option.
   */
  known: boolean;
}

const BUILT_IN: Readonly<Record<string, Omit<ModelRange, 'known'>>> = {
  'gemini-3-pro-image': { aspectRatios: COMMON_RATIOS, imageSizes: ['1K', '2K', '4K'] },
  'gemini-3.1-flash-image': { aspectRatios: ASPECT_RATIOS, imageSizes: IMAGE_SIZES },
};

/**
 * A model the table does not know (an operator adds ids such as
 * gemini-nano-banana-2.1 to GEMINI_MODELS before anyone documents them):
 * only what every Gemini image model takes, the ten common ratios at the
 * 1K size Gemini makes by default. A larger size could be refused by the
 * model, so none is offered until the table (or GEMINI_MODEL_OPTIONS) names it.
 */
const UNKNOWN_MODEL_RANGE: ModelRange = { aspectRatios: COMMON_RATIOS, imageSizes: ['1K'], known: false };

/**
 * The value Gemini spells, for one typed in another case ("2k" is "2K"):
 * Gemini rejects a lower-case "k", so the bot corrects it before the call.
 */
export function spelledAsGemini<T extends string>(values: readonly T[], typed: string): T | undefined {
  const wanted = typed.trim().toLowerCase();
  return values.find((value) => value.toLowerCase() === wanted);
}

const declaredRatio = z.string().transform((value, context): AspectRatio => {
  const ratio = spelledAsGemini(ASPECT_RATIOS, value);
  if (ratio === undefined) {
    context.addIssue({ code: 'custom', message: `"${value}" is not an aspect ratio Gemini takes (${ASPECT_RATIOS.join(', ')})` });
    return z.NEVER;
  }
  return ratio;
});

const declaredSize = z.string().transform((value, context): ImageSize => {
  const size = spelledAsGemini(IMAGE_SIZES, value);
  if (size === undefined) {
    context.addIssue({ code: 'custom', message: `"${value}" is not a size Gemini takes (${IMAGE_SIZES.join(', ')})` });
    return z.NEVER;
  }
  return size;
});

/**
 * One model's range as an operator declares it in GEMINI_MODEL_OPTIONS: both
 * lists, only values Gemini knows (any case), kept in the table's order;
 * another key is a typo, so refused.
 */
export const declaredRangeSchema = z.strictObject({
  aspectRatios: z.array(declaredRatio).min(1, 'must list at least one aspect ratio'),
  imageSizes: z.array(declaredSize).min(1, 'must list at least one size'),
});
export type DeclaredRange = z.infer<typeof declaredRangeSchema>;

/**
 * What each model makes: the built-in table, with the operator's
 * GEMINI_MODEL_OPTIONS over it (a newly released model used fully without
 * a code change, or a correction to a built-in one), and the cautious
 * range for any other id. Pure: built once from the configuration.
 */
export class ModelTable {
  private readonly ranges: ReadonlyMap<string, ModelRange>;

  constructor(declared: Readonly<Record<string, DeclaredRange>> = {}) {
    const ranges = new Map<string, ModelRange>();
    for (const [model, range] of Object.entries(BUILT_IN)) ranges.set(model, { ...range, known: true });
    for (const [model, range] of Object.entries(declared)) {
      ranges.set(model, {
        aspectRatios: ASPECT_RATIOS.filter((ratio) => range.aspectRatios.includes(ratio)),
        imageSizes: IMAGE_SIZES.filter((size) => range.imageSizes.includes(size)),
        known: true,
      });
    }
    this.ranges = ranges;
  }

  rangeOf(model: string): ModelRange {
    return this.ranges.get(model) ?? UNKNOWN_MODEL_RANGE;
  }
}

/** An option a model does not take, with what it takes instead. */
export interface OptionNotTaken {
  option: 'aspect-ratio' | 'size';
  value: string;
  accepted: readonly string[];
  /** Whether the table knows the model (else `accepted` is the cautious range, not the model's own). */
  modelKnown: boolean;
}

export type CheckedImageOptions = { ok: true; settings: ImageSettings } | { ok: false; problem: OptionNotTaken };

/**
 * The options checked against `range`, a model's (the aspect ratio first).
 * Gemini matches exactly, but its spelling is fixed, so a value typed in
 * another case is taken in Gemini's ("2k" is sent as "2K"). Absent options
 * stay absent: Gemini then uses its own defaults (1:1, 1K), which every
 * model takes.
 */
export function checkImageOptions(range: ModelRange, requested: RequestedImageSettings): CheckedImageOptions {
  const { aspectRatio, imageSize } = requested;
  const ratio = aspectRatio === undefined ? undefined : spelledAsGemini(range.aspectRatios, aspectRatio);
  if (aspectRatio !== undefined && ratio === undefined) {
    return { ok: false, problem: { option: 'aspect-ratio', value: aspectRatio, accepted: range.aspectRatios, modelKnown: range.known } };
  }
  const size = imageSize === undefined ? undefined : spelledAsGemini(range.imageSizes, imageSize);
  if (imageSize !== undefined && size === undefined) {
    return { ok: false, problem: { option: 'size', value: imageSize, accepted: range.imageSizes, modelKnown: range.known } };
  }
  return { ok: true, settings: { ...(ratio !== undefined ? { aspectRatio: ratio } : {}), ...(size !== undefined ? { imageSize: size } : {}) } };
}

/**
 * Defaults as a model can use them (`range` is its): an option it does not
 * take is left out, so Gemini's own default applies (a server's 1:8 default
 * is not the member's choice when they pick a model without 1:8).
 */
export function optionsTakenBy(range: ModelRange, settings: ImageSettings): ImageSettings {
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
 * The defaults a turn starts from (`range` is its model's): for each option
 * the server's when the model makes it, else the environment's when it
 * makes that, else none (Gemini's own default). A server that chose 1:8 on
 * Flash and then moved to Pro gets 1:8 back for a member who picks Flash.
 */
export function defaultsFor(range: ModelRange, chosen: ChosenDefaults): ImageSettings {
  const server = optionsTakenBy(range, chosen.server);
  const environment = optionsTakenBy(range, chosen.environment);
  const aspectRatio = server.aspectRatio ?? environment.aspectRatio;
  const imageSize = server.imageSize ?? environment.imageSize;
  return { ...(aspectRatio !== undefined ? { aspectRatio } : {}), ...(imageSize !== undefined ? { imageSize } : {}) };
}
