import { z } from 'zod';
import { answerText, type AnswerPiece } from './answerText.js';
import type { GeneratedImage, GenerationOutcome, TokenUsage } from './generationOutcome.js';
import type { InteractionStep } from './interactionSteps.js';
import type { ModelAnswer } from './modelAnswer.js';
import { webSources } from './webSources.js';

/*
 * Lenient, like parseGenerateResponse: every field optional, unknown keys
 * kept. The steps are stored exactly as received (a ModelAnswer of steps).
 */
const itemSchema = z.looseObject({
  type: z.string().nullish(),
  text: z.string().nullish(),
  data: z.string().nullish(),
  mime_type: z.string().nullish(),
  annotations: z.array(z.looseObject({ type: z.string().nullish(), url: z.string().nullish(), title: z.string().nullish() })).nullish(),
});

const stepSchema = z.looseObject({
  type: z.string().nullish(),
  content: z.array(itemSchema).nullish(),
  error: z.looseObject({ code: z.unknown(), message: z.string().nullish() }).nullish(),
});

const usageSchema = z.looseObject({
  total_input_tokens: z.number().nullish(),
  total_output_tokens: z.number().nullish(),
  total_thought_tokens: z.number().nullish(),
  total_tokens: z.number().nullish(),
});

const interactionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().nullish(),
  steps: z.array(z.record(z.string(), z.unknown())).nullish(),
  usage: usageSchema.nullish(),
});

export type ParsedInteraction =
  /** `id` is the interaction to continue from; `stepError`/`status` say what an operator should see in the log. */
  | { ok: true; id: string; status: string; outcome: GenerationOutcome; stepError: string | undefined }
  | { ok: false; outcome: GenerationOutcome };

/** Statuses this bot knows; any other is a readable failure under its own name (logged by logGeneration). */
const FAILED = new Set(['failed', 'cancelled']);

/**
 * An interaction into the closed set of outcomes (ASSUMED mapping, as
 * Google documents none of it; FACTS: no finish reason field):
 * - completed with a final image: images;
 * - completed with only text (a refusal, or the model chose words): no-image;
 * - incomplete: no-image, as generateContent's MAX_TOKENS;
 * - failed or cancelled, or a model_output step carrying an error: no-image
 *   under OTHER ("stopped without saying why"), not stored;
 * - any other status: no-image under that status's name, not stored.
 * `createdAt`: when, on our clock, the request that made it started; kept
 * with the interaction, whose retention is measured from it.
 */
export function parseInteraction(json: unknown, createdAt: string): ParsedInteraction {
  const parsed = interactionSchema.safeParse(json);
  if (!parsed.success) return { ok: false, outcome: { kind: 'failed', failure: { kind: 'malformed', message: 'Gemini answered with an unexpected shape' } } };
  const { id, usage: rawUsage } = parsed.data;
  const status = parsed.data.status ?? 'unknown';
  const steps = (parsed.data.steps ?? []) as InteractionStep[];
  const usage = readUsage(rawUsage);
  const outputs = steps.flatMap((step) => {
    const output = stepSchema.safeParse(step);
    return output.success && output.data.type === 'model_output' ? [output.data] : [];
  });
  const stepError = outputs.find((output) => output.error)?.error;
  const images: GeneratedImage[] = [];
  const pieces: AnswerPiece[] = [];
  const items = outputs.flatMap((output) => output.content ?? []);
  for (const item of items) {
    if (item.type === 'image' && item.data && item.mime_type?.startsWith('image/')) {
      images.push({ mimeType: item.mime_type, base64: item.data });
      pieces.push('image');
    }
    if (item.type === 'text' && item.text) pieces.push({ text: item.text });
  }
  const text = answerText(pieces);
  const sources = webSources(items.flatMap((item) => item.annotations ?? []).map((citation) => ({ uri: citation.url, title: citation.title })));
  const stepErrorText = stepError ? `${String(stepError.code ?? '')} ${stepError.message ?? ''}`.trim() : undefined;
  const answered = (outcome: GenerationOutcome): ParsedInteraction => ({ ok: true, id, status, outcome, stepError: stepErrorText });
  const modelContent: ModelAnswer | undefined = steps.length > 0 ? { api: 'interactions', steps, interaction: { id, createdAt } } : undefined;

  if (stepError || FAILED.has(status)) return answered({ kind: 'no-image', modelContent: undefined, text, finishReason: 'OTHER', usage, sources });
  if (status === 'completed' || status === 'incomplete') {
    if (images.length > 0 && modelContent) return answered({ kind: 'images', modelContent, images, text, usage, sources });
    return answered({ kind: 'no-image', modelContent, text, finishReason: status === 'incomplete' ? 'MAX_TOKENS' : undefined, usage, sources });
  }
  return answered({ kind: 'no-image', modelContent: undefined, text, finishReason: status.toUpperCase(), usage, sources });
}

function readUsage(usage: z.infer<typeof usageSchema> | null | undefined): TokenUsage {
  if (!usage) return {};
  return {
    promptTokens: usage.total_input_tokens ?? undefined,
    outputTokens: usage.total_output_tokens ?? undefined,
    thoughtTokens: usage.total_thought_tokens ?? undefined,
    totalTokens: usage.total_tokens ?? undefined,
  };
}
