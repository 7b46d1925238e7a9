import { z } from 'zod';
import type { GeminiContent, GeminiPart } from './geminiTypes.js';
import type { GeneratedImage, GenerationOutcome, GroundingSource, TokenUsage } from './generationOutcome.js';
import type { ModelAnswer } from './modelAnswer.js';
import { readInlineData } from './inlineData.js';
import { answerText, type AnswerPiece } from './answerText.js';
import { webSources } from './webSources.js';

/*
 * Lenient schemas: Gemini answers in camelCase, but snake_case occurs too
 * (protobuf JSON accepts both), and new fields appear without notice. Every
 * field is optional here and unknown keys are kept; the raw `content` object
 * is what we store and replay.
 */
const partSchema = z.looseObject({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
});

const contentSchema = z.looseObject({
  role: z.string().nullish(),
  parts: z.array(z.record(z.string(), z.unknown())).nullish(),
});

const groundingSchema = z.looseObject({
  groundingChunks: z.array(z.unknown()).nullish(),
  grounding_chunks: z.array(z.unknown()).nullish(),
});

const webChunkSchema = z.looseObject({
  web: z.looseObject({ uri: z.string().nullish(), title: z.string().nullish() }).nullish(),
});

const candidateSchema = z.looseObject({
  content: contentSchema.nullish(),
  groundingMetadata: groundingSchema.nullish(),
  grounding_metadata: groundingSchema.nullish(),
  finishReason: z.string().nullish(),
  finish_reason: z.string().nullish(),
});

const usageSchema = z.looseObject({
  promptTokenCount: z.number().nullish(),
  prompt_token_count: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  candidates_token_count: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  thoughts_token_count: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
  total_token_count: z.number().nullish(),
});

const feedbackSchema = z.looseObject({
  blockReason: z.string().nullish(),
  block_reason: z.string().nullish(),
});

const responseSchema = z.looseObject({
  candidates: z.array(candidateSchema).nullish(),
  promptFeedback: feedbackSchema.nullish(),
  prompt_feedback: feedbackSchema.nullish(),
  usageMetadata: usageSchema.nullish(),
  usage_metadata: usageSchema.nullish(),
});

/** Finish reasons that mean "a filter stopped this", as opposed to "the model chose not to draw". */
const SAFETY_FINISH_REASONS = new Set([
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'SAFETY',
  'PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
]);

export function parseGenerateResponse(json: unknown): GenerationOutcome {
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) {
    return { kind: 'failed', failure: { kind: 'malformed', message: 'Gemini answered with an unexpected shape' } };
  }
  const response = parsed.data;
  const usage = readUsage(response.usageMetadata ?? response.usage_metadata);
  const promptFeedback = response.promptFeedback ?? response.prompt_feedback;
  const blockReason = promptFeedback?.blockReason ?? promptFeedback?.block_reason;
  const candidate = response.candidates?.[0];

  if (blockReason && !candidate) {
    return { kind: 'blocked', stage: 'prompt', reason: blockReason, text: '', usage };
  }
  if (!candidate) {
    return { kind: 'no-image', modelContent: undefined, text: '', finishReason: undefined, usage, sources: [] };
  }
  const sources = readSources(candidate.groundingMetadata ?? candidate.grounding_metadata);

  const finishReason = candidate.finishReason ?? candidate.finish_reason ?? undefined;
  const rawContent = candidate.content;
  const rawParts: GeminiPart[] = rawContent?.parts ?? [];
  const modelContent: ModelAnswer | undefined =
    rawParts.length > 0 ? { api: 'generate-content', content: { ...rawContent, role: 'model', parts: rawParts } as GeminiContent } : undefined;
  const { images, text } = readVisibleParts(rawParts);

  if (images.length > 0 && modelContent) {
    return { kind: 'images', modelContent, images, text, usage, sources };
  }
  if (finishReason && SAFETY_FINISH_REASONS.has(finishReason)) {
    return { kind: 'blocked', stage: 'response', reason: finishReason, text, usage };
  }
  return { kind: 'no-image', modelContent, text, finishReason, usage, sources };
}

/** The final (non-thought) images and text; thought parts are interim and never shown. */
function readVisibleParts(rawParts: GeminiPart[]): { images: GeneratedImage[]; text: string } {
  const images: GeneratedImage[] = [];
  const pieces: AnswerPiece[] = [];
  for (const rawPart of rawParts) {
    const part = partSchema.safeParse(rawPart);
    if (!part.success || part.data.thought) continue;
    const inline = readInlineData(rawPart);
    if (inline?.data && inline.mimeType?.startsWith('image/')) {
      images.push({ mimeType: inline.mimeType, base64: inline.data });
      pieces.push('image');
    } else if (part.data.text) {
      pieces.push({ text: part.data.text });
    }
  }
  return { images, text: answerText(pieces) };
}

/** The web pages grounding used (webSources' rule). */
function readSources(metadata: z.infer<typeof groundingSchema> | null | undefined): GroundingSource[] {
  const chunks = metadata?.groundingChunks ?? metadata?.grounding_chunks ?? [];
  return webSources(chunks.map((chunk) => {
    const web = webChunkSchema.safeParse(chunk).data?.web;
    return { uri: web?.uri, title: web?.title };
  }));
}

function readUsage(usage: z.infer<typeof usageSchema> | null | undefined): TokenUsage {
  if (!usage) return {};
  return {
    promptTokens: usage.promptTokenCount ?? usage.prompt_token_count ?? undefined,
    outputTokens: usage.candidatesTokenCount ?? usage.candidates_token_count ?? undefined,
    thoughtTokens: usage.thoughtsTokenCount ?? usage.thoughts_token_count ?? undefined,
    totalTokens: usage.totalTokenCount ?? usage.total_token_count ?? undefined,
  };
}
