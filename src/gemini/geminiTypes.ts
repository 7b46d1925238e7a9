/**
 * A Gemini `Part` exactly as it travels on the wire. We never rebuild a model
 * part from the fields we know: Gemini checks `thoughtSignature` against the
 * part it issued, so unknown fields, thought parts and key spelling
 * (camelCase or snake_case) are kept as received.
 */
export type GeminiPart = Record<string, unknown>;

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
  [unknownField: string]: unknown;
}

/** The request; its contents may be parts still to be loaded (see conversation/outgoingParts.ts). */
export interface GenerateContentRequest<Content = GeminiContent> {
  contents: Content[];
  tools?: Array<{ googleSearch: Record<string, never> }>;
  generationConfig: {
    responseModalities: ['TEXT', 'IMAGE'];
    imageConfig?: { aspectRatio?: string; imageSize?: string };
    /** Asks for Gemini's thought summaries and interim images (its drafts), which come only when asked. */
    thinkingConfig?: { includeThoughts: true };
  };
}

/** Builds the user-side parts we send; model parts are only ever replayed. */
export function textPart(text: string): GeminiPart {
  return { text };
}

export function inlineImagePart(mimeType: string, base64: string): GeminiPart {
  return { inlineData: { mimeType, data: base64 } };
}
