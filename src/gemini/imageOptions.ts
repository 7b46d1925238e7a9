/** The image shapes Gemini accepts (FACTS.md); one list feeds the command choices and the validation. */
export const ASPECT_RATIOS = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** Gemini rejects a lower-case "k". */
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

export interface ImageSettings {
  aspectRatio?: AspectRatio | undefined;
  imageSize?: ImageSize | undefined;
}
