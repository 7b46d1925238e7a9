// Plausible usageMetadata. The bot turns token counts into cost, so the
// numbers follow Google's published rates: an output image costs 1,120
// tokens at 1K and 2K and 2,000 at 4K. Text is counted at about four
// characters a token and an input image at a flat rate: close enough to test
// arithmetic, not a tokenizer.

import type { GenerateContentRequest, RequestContent } from './requestSchema.js';

export const INPUT_IMAGE_TOKENS = 560;
/** Thinking is mandatory on Gemini 3 image models and billed as output. */
export const THOUGHT_TOKENS = 240;

export function outputImageTokens(imageSize: string | undefined): number {
  return imageSize === '4K' ? 2000 : 1120;
}

export function textTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

export interface PromptTokens {
  text: number;
  image: number;
}

export function countPromptTokens(request: GenerateContentRequest): PromptTokens {
  const contents: RequestContent[] = [...(request.contents ?? [])];
  if (request.systemInstruction) contents.push(request.systemInstruction);
  const tokens: PromptTokens = { text: 0, image: 0 };
  for (const part of contents.flatMap((content) => content.parts ?? [])) {
    if (part.text !== undefined) tokens.text += Math.max(1, textTokens(part.text));
    if (part.inlineData !== undefined) tokens.image += INPUT_IMAGE_TOKENS;
  }
  return tokens;
}

export interface OutputTokens {
  text: number;
  image: number;
  thoughts: number;
}

/** usageMetadata in camelCase (the server converts it when answering in snake_case). */
export function usageMetadata(prompt: PromptTokens, output: OutputTokens | undefined): Record<string, unknown> {
  const promptTokenCount = prompt.text + prompt.image;
  const promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt.text }];
  if (prompt.image > 0) promptTokensDetails.push({ modality: 'IMAGE', tokenCount: prompt.image });
  if (!output) return { promptTokenCount, totalTokenCount: promptTokenCount, promptTokensDetails };

  const candidatesTokenCount = output.text + output.image;
  const candidatesTokensDetails = [];
  if (output.text > 0) candidatesTokensDetails.push({ modality: 'TEXT', tokenCount: output.text });
  if (output.image > 0) candidatesTokensDetails.push({ modality: 'IMAGE', tokenCount: output.image });
  return {
    promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: promptTokenCount + candidatesTokenCount + output.thoughts,
    promptTokensDetails,
    candidatesTokensDetails,
    thoughtsTokenCount: output.thoughts,
  };
}
