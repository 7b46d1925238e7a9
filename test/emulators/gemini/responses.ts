// Builds the 200 bodies of generateContent, in camelCase, for the behaviours
// that answer normally. They follow what Gemini 3 image models send, with the
// details a careless client trips on: thought parts come first and must not
// be shown, Pro may add interim "thought" images, the image is JPEG whatever
// the client expected, signatures sit on the first answer part and on every
// image, and a block can come with no candidates or with no content at all.

import { randomBytes } from 'node:crypto';
import { imageBlob } from './damageImage.js';
import { buildJpeg } from './jpeg.js';
import type { GenerateContentRequest, RequestPart } from './requestSchema.js';
import { signPart } from './signatures.js';
import type { Behaviour } from './types.js';
import { countPromptTokens, outputImageTokens, textTokens, THOUGHT_TOKENS, usageMetadata } from './usage.js';

export type AnsweringBehaviour = Extract<
  Behaviour,
  { kind: 'image' | 'text-only' | 'prompt-blocked' | 'finish' | 'no-candidates' }
>;

export interface AnswerContext {
  model: string;
  request: GenerateContentRequest;
  /** Hands out image serial numbers, unique within one emulator. */
  nextSerial(): number;
}

const DEFAULT_IMAGE_TEXT = "Here's the image you asked for.";
const TEXT_INSTEAD_OF_IMAGE =
  'I can describe it in words, but this request did not ask for images (responseModalities has no IMAGE).';

export function buildAnswer(behaviour: AnsweringBehaviour, context: AnswerContext): Record<string, unknown> {
  const prompt = countPromptTokens(context.request);
  const envelope = { modelVersion: context.model, responseId: randomBytes(16).toString('base64url') };
  switch (behaviour.kind) {
    case 'prompt-blocked':
      return {
        promptFeedback: { blockReason: behaviour.reason, safetyRatings: safetyRatings(behaviour.reason) },
        usageMetadata: usageMetadata(prompt, undefined),
        ...envelope,
      };
    case 'no-candidates':
      return { candidates: [], usageMetadata: usageMetadata(prompt, undefined), ...envelope };
    case 'finish': {
      const parts = behaviour.text === undefined ? [] : signFirstAnswer([{ text: behaviour.text }]);
      // Without text Google leaves `content` out entirely; clients must cope.
      const candidate: Record<string, unknown> = parts.length > 0 ? { content: { role: 'model', parts } } : {};
      Object.assign(candidate, { finishReason: behaviour.reason, index: 0 });
      const output = { text: textTokens(behaviour.text ?? ''), image: 0, thoughts: THOUGHT_TOKENS };
      return { candidates: [candidate], usageMetadata: usageMetadata(prompt, output), ...envelope };
    }
    case 'text-only':
    case 'image': {
      const { parts, imageTokens } = answerParts(behaviour, context);
      const text = parts.filter((part) => part.thought !== true && part.text !== undefined).map((part) => part.text).join('');
      const candidate: Record<string, unknown> = { content: { role: 'model', parts }, finishReason: 'STOP', index: 0 };
      if (wantsGrounding(context.request)) candidate.groundingMetadata = groundingMetadata(lastUserText(context.request));
      const output = { text: textTokens(text), image: imageTokens, thoughts: THOUGHT_TOKENS };
      return { candidates: [candidate], usageMetadata: usageMetadata(prompt, output), ...envelope };
    }
  }
}

function answerParts(
  behaviour: Extract<Behaviour, { kind: 'image' | 'text-only' }>,
  context: AnswerContext,
): { parts: RequestPart[]; imageTokens: number } {
  const { request } = context;
  const modalities = request.generationConfig?.responseModalities ?? [];
  // FACTS: without IMAGE in responseModalities the image models answer text only.
  const wantsImage = behaviour.kind === 'image' && modalities.includes('IMAGE');
  const wantsText = !wantsImage || modalities.includes('TEXT');
  const prompt = lastUserText(request);

  const parts: RequestPart[] = [{ text: thoughtSummary(prompt), thought: true }];
  const answer: RequestPart[] = [];
  let imageTokens = 0;
  if (wantsImage) {
    const serial = context.nextSerial();
    const interim = Math.min(2, Math.max(0, behaviour.thoughtImages ?? 0));
    for (let index = 0; index < interim; index++) {
      // Interim thought images are full-size drafts, as large as the final one.
      parts.push({ inlineData: imageBlob(buildJpeg({ serial, prompt, interim: true }, behaviour.imageBytes), behaviour.thoughtDamage), thought: true });
    }
    if (wantsText) answer.push({ text: behaviour.text ?? DEFAULT_IMAGE_TEXT });
    const count = Math.max(1, behaviour.images ?? 1);
    for (let index = 0; index < count; index++) {
      const imageSerial = index === 0 ? serial : context.nextSerial();
      const jpeg = buildJpeg({ serial: imageSerial, prompt }, behaviour.imageBytes);
      answer.push({ inlineData: imageBlob(jpeg, behaviour.damage?.[index]) });
    }
    imageTokens = count * outputImageTokens(request.generationConfig?.imageConfig?.imageSize);
  } else {
    // The model may draft before deciding not to draw: those drafts are interim thought images too.
    const drafts = behaviour.kind === 'text-only' ? Math.min(2, Math.max(0, behaviour.thoughtImages ?? 0)) : 0;
    for (let index = 0; index < drafts; index++) {
      const draft = buildJpeg({ serial: context.nextSerial(), prompt, interim: true }, undefined);
      parts.push({ inlineData: imageBlob(draft, behaviour.kind === 'text-only' ? behaviour.thoughtDamage : undefined), thought: true });
    }
    answer.push({ text: behaviour.kind === 'text-only' ? behaviour.text : (behaviour.text ?? TEXT_INSTEAD_OF_IMAGE) });
  }
  return { parts: [...parts, ...signFirstAnswer(answer)], imageTokens };
}

/** Gemini 3: the first part after the thoughts and every image part carry a signature. */
function signFirstAnswer(answer: RequestPart[]): RequestPart[] {
  return answer.map((part, index) =>
    index === 0 || part.inlineData !== undefined ? { ...part, thoughtSignature: signPart(part) } : part,
  );
}

/** The text of the last user turn: what the images are "of". */
export function lastUserText(request: GenerateContentRequest): string {
  const last = request.contents?.[request.contents.length - 1];
  return (last?.parts ?? [])
    .filter((part) => part.thought !== true && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n');
}

function thoughtSummary(prompt: string): string {
  const subject = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt;
  return `**Planning the composition**\n\nI'm working out the layout, lighting and palette for: ${subject}`;
}

function wantsGrounding(request: GenerateContentRequest): boolean {
  return (request.tools ?? []).some((tool) => tool.googleSearch !== undefined);
}

function groundingMetadata(query: string): Record<string, unknown> {
  return {
    webSearchQueries: [query.slice(0, 100)],
    searchEntryPoint: { renderedContent: '<div class="container">Google Search suggestions</div>' },
    groundingChunks: [
      { web: { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/emulator', title: 'example.com' } },
      { web: { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/emulator-2', title: 'weather.example' } },
    ],
    groundingSupports: [],
  };
}

const HARM_CATEGORIES = [
  'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_HATE_SPEECH',
  'HARM_CATEGORY_HARASSMENT',
  'HARM_CATEGORY_DANGEROUS_CONTENT',
];

function safetyRatings(reason: string): Array<Record<string, unknown>> {
  return HARM_CATEGORIES.map((category, index) => {
    const flagged = reason === 'SAFETY' && index === 0;
    return flagged ? { category, probability: 'HIGH', blocked: true } : { category, probability: 'NEGLIGIBLE' };
  });
}
