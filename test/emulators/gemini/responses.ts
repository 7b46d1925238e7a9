// Builds the 200 bodies of generateContent, in camelCase, for the behaviours
// that answer normally. They follow what Gemini 3 image models send, with the
// details a careless client trips on: thought parts come first and must not
// be shown, Pro may add interim "thought" images, the image is JPEG whatever
// the client expected, signatures sit on the first answer part and on every
// image, and a block can come with no candidates or with no content at all.

import { randomBytes } from 'node:crypto';
import { imageBlob, type ImageDamage } from './damageImage.js';
import { buildJpeg } from './jpeg.js';
import type { GenerateContentRequest, RequestPart } from './requestSchema.js';
import { signAnswer as signParts } from './signatures.js';
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

/**
 * One answer before it is delivered, whole (generateContent) or in chunks
 * (streamGenerateContent). Its parts are final and signed: a stream sends
 * exactly these, one part per chunk.
 */
interface ComposedAnswer {
  envelope: { modelVersion: string; responseId: string };
  /** usageMetadata as the answer's last (or only) body carries it. */
  usage: Record<string, unknown>;
  /** usageMetadata with the prompt counts only, as a stream's earlier chunks carry it. */
  promptUsage: Record<string, unknown>;
  promptFeedback?: Record<string, unknown>;
  /** Undefined: no candidate at all (`candidates: []` when `emptyCandidates`, else left out). */
  candidate?: {
    parts: RequestPart[];
    finishReason: string;
    groundingMetadata?: Record<string, unknown>;
    /**
     * Streamed, the finishReason comes in a chunk of its own after the parts that precede
     * `finishWithFrom` (a block after thoughts); the parts from that index on ride with it.
     */
    finishWithFrom?: number;
  };
  emptyCandidates?: true;
}

/** The generateContent body for `behaviour`. */
export function buildAnswer(behaviour: AnsweringBehaviour, context: AnswerContext): Record<string, unknown> {
  const answer = composeAnswer(behaviour, context, false);
  const body: Record<string, unknown> = {};
  if (answer.candidate) {
    const { parts, finishReason, groundingMetadata } = answer.candidate;
    // Without parts Google leaves `content` out entirely; clients must cope.
    const candidate: Record<string, unknown> = parts.length > 0 ? { content: { role: 'model', parts } } : {};
    Object.assign(candidate, { finishReason, index: 0 });
    if (groundingMetadata) candidate.groundingMetadata = groundingMetadata;
    body.candidates = [candidate];
  } else if (answer.emptyCandidates) {
    body.candidates = [];
  }
  if (answer.promptFeedback) body.promptFeedback = answer.promptFeedback;
  return { ...body, usageMetadata: answer.usage, ...answer.envelope };
}

/**
 * The streamGenerateContent chunks for `behaviour`, each a GenerateContentResponse:
 * one part per chunk (`candidates[0].content` holds only that chunk's part), every
 * chunk with modelVersion and responseId, the earlier ones with prompt-only
 * usageMetadata, the last with finishReason, the full usageMetadata and, when
 * Google Search is on, groundingMetadata.
 *
 * Confirmed by recorded streams (googleapis/js-genai test/system/recordings,
 * vercel/ai packages/google/src/__fixtures__): chunk envelope, `index: 0`,
 * usage on every chunk and complete on the last, a block as the only chunk,
 * a trailing `{"text":""}` chunk with finishReason from gemini-3-pro-image,
 * `{"text":"","thoughtSignature":…}` from Gemini 3 text models, a last chunk
 * with finishReason and no content from Gemini 2.5 (StreamScript.trailer
 * picks one; 'signed' by default, the one a careless client loses). Assumed: that
 * each thought part and each image arrives in a chunk of its own, that the
 * first answer text piece carries the signature as in a whole answer, and
 * groundingMetadata on the last chunk.
 */
export function buildStreamedAnswer(behaviour: AnsweringBehaviour, context: AnswerContext): Array<Record<string, unknown>> {
  const answer = composeAnswer(behaviour, context, true);
  const envelope = answer.envelope;
  if (!answer.candidate) {
    const chunk: Record<string, unknown> = answer.emptyCandidates ? { candidates: [] } : {};
    if (answer.promptFeedback) chunk.promptFeedback = answer.promptFeedback;
    return [{ ...chunk, usageMetadata: answer.usage, ...envelope }];
  }
  const { parts, finishReason, groundingMetadata, finishWithFrom } = answer.candidate;
  const chunkOf = (chunkParts: RequestPart[], last: boolean): Record<string, unknown> => {
    const candidate: Record<string, unknown> = chunkParts.length > 0 ? { content: { role: 'model', parts: chunkParts } } : {};
    if (last) candidate.finishReason = finishReason;
    candidate.index = 0;
    if (last && groundingMetadata) candidate.groundingMetadata = groundingMetadata;
    return { candidates: [candidate], usageMetadata: last ? answer.usage : answer.promptUsage, ...envelope };
  };
  const split = finishWithFrom ?? Math.max(0, parts.length - 1);
  return [...parts.slice(0, split).map((part) => chunkOf([part], false)), chunkOf(parts.slice(split), true)];
}

function composeAnswer(behaviour: AnsweringBehaviour, context: AnswerContext, streamed: boolean): ComposedAnswer {
  const prompt = countPromptTokens(context.request);
  const envelope = { modelVersion: context.model, responseId: randomBytes(16).toString('base64url') };
  const promptUsage = usageMetadata(prompt, undefined);
  switch (behaviour.kind) {
    case 'prompt-blocked':
      return {
        envelope,
        usage: promptUsage,
        promptUsage,
        promptFeedback: { blockReason: behaviour.reason, safetyRatings: safetyRatings(behaviour.reason) },
      };
    case 'no-candidates':
      return { envelope, usage: promptUsage, promptUsage, emptyCandidates: true };
    case 'finish': {
      const thoughts: RequestPart[] = [];
      if (behaviour.thoughts && wantsThoughts(context.request)) {
        thoughts.push(...thoughtTextParts(lastUserText(context.request), streamed));
        thoughts.push(...drafts(behaviour.thoughtImages, context, undefined));
      }
      const answer: RequestPart[] = behaviour.text === undefined ? [] : [{ text: behaviour.text }];
      const output = { text: textTokens(behaviour.text ?? ''), image: 0, thoughts: THOUGHT_TOKENS };
      return {
        envelope,
        usage: usageMetadata(prompt, output),
        promptUsage,
        candidate: { parts: signAnswer([...thoughts, ...answer], false), finishReason: behaviour.reason, finishWithFrom: thoughts.length },
      };
    }
    case 'text-only':
    case 'image': {
      const trailer = streamed ? (behaviour.stream?.trailer ?? 'signed') : 'none';
      const { parts, imageTokens } = answerParts(behaviour, context, streamed);
      const text = parts.filter((part) => part.thought !== true && part.text !== undefined).map((part) => part.text).join('');
      if (trailer === 'signed' || trailer === 'empty') parts.push({ text: '' });
      const output = { text: textTokens(text), image: imageTokens, thoughts: THOUGHT_TOKENS };
      return {
        envelope,
        usage: usageMetadata(prompt, output),
        promptUsage,
        candidate: {
          parts: signAnswer(parts, trailer === 'signed'),
          finishReason: 'STOP',
          ...(trailer === 'bare' ? { finishWithFrom: parts.length } : {}),
          ...(wantsGrounding(context.request) ? { groundingMetadata: groundingMetadata(lastUserText(context.request)) } : {}),
        },
      };
    }
  }
}

function answerParts(
  behaviour: Extract<Behaviour, { kind: 'image' | 'text-only' }>,
  context: AnswerContext,
  streamed: boolean,
): { parts: RequestPart[]; imageTokens: number } {
  const { request } = context;
  const modalities = request.generationConfig?.responseModalities ?? [];
  // FACTS: without IMAGE in responseModalities the image models answer text only.
  const wantsImage = behaviour.kind === 'image' && modalities.includes('IMAGE');
  const wantsText = !wantsImage || modalities.includes('TEXT');
  const prompt = lastUserText(request);

  // Thought summaries and drafts come only when asked for (generationConfig.thinkingConfig.includeThoughts).
  const thoughts = wantsThoughts(request);
  const parts: RequestPart[] = thoughts ? thoughtTextParts(prompt, streamed) : [];
  const answer: RequestPart[] = [];
  let imageTokens = 0;
  if (wantsImage) {
    const serial = context.nextSerial();
    const interim = thoughts ? Math.min(2, Math.max(0, behaviour.thoughtImages ?? 0)) : 0;
    for (let index = 0; index < interim; index++) {
      // Interim thought images are full-size drafts, as large as the final one.
      parts.push({ inlineData: imageBlob(buildJpeg({ serial, prompt, interim: true, draft: index + 1 }, behaviour.imageBytes), behaviour.thoughtDamage), thought: true });
    }
    if (wantsText) answer.push(...answerText(behaviour.text ?? DEFAULT_IMAGE_TEXT, streamed));
    const count = Math.max(1, behaviour.images ?? 1);
    for (let index = 0; index < count; index++) {
      const imageSerial = index === 0 ? serial : context.nextSerial();
      const jpeg = buildJpeg({ serial: imageSerial, prompt }, behaviour.imageBytes);
      answer.push({ inlineData: imageBlob(jpeg, behaviour.damage?.[index]) });
    }
    imageTokens = count * outputImageTokens(request.generationConfig?.imageConfig?.imageSize);
  } else {
    // The model may draft before deciding not to draw: those drafts are interim thought images too.
    if (behaviour.kind === 'text-only' && thoughts) parts.push(...drafts(behaviour.thoughtImages, context, behaviour.thoughtDamage));
    answer.push(...answerText(behaviour.kind === 'text-only' ? behaviour.text : (behaviour.text ?? TEXT_INSTEAD_OF_IMAGE), streamed));
  }
  return { parts: [...parts, ...answer], imageTokens };
}

/** Up to two interim thought images drawn before the model stops or answers in words. */
function drafts(count: number | undefined, context: AnswerContext, damage: ImageDamage | undefined): RequestPart[] {
  const prompt = lastUserText(context.request);
  return Array.from({ length: Math.min(2, Math.max(0, count ?? 0)) }, () => ({
    inlineData: imageBlob(buildJpeg({ serial: context.nextSerial(), prompt, interim: true }, undefined), damage),
    thought: true,
  }));
}

/**
 * The thought summary: one part whole; streamed, two pieces cut inside the heading, as a
 * stream cuts text anywhere (a client must read the pieces joined).
 */
function thoughtTextParts(prompt: string, streamed: boolean): RequestPart[] {
  const subject = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt;
  const summary = `**Planning the composition**\n\nI'm working out the layout, lighting and palette for: ${subject}`;
  const cut = '**Planning the comp'.length;
  return streamed ? [{ text: summary.slice(0, cut), thought: true }, { text: summary.slice(cut), thought: true }] : [{ text: summary, thought: true }];
}

/** Answer text: one part whole; streamed, two pieces split at the space nearest the middle. */
function answerText(text: string, streamed: boolean): RequestPart[] {
  const middle = text.length / 2;
  let cut = -1;
  for (let index = text.indexOf(' '); index !== -1; index = text.indexOf(' ', index + 1)) {
    if (cut === -1 || Math.abs(index + 1 - middle) < Math.abs(cut - middle)) cut = index + 1;
  }
  if (!streamed || cut <= 0 || cut >= text.length) return [{ text }];
  return [{ text: text.slice(0, cut) }, { text: text.slice(cut) }];
}

/**
 * Gemini 3: the first part after the thoughts and every image part carry a
 * signature; a stream's trailing empty-text part may carry one too.
 */
function signAnswer(parts: RequestPart[], signTrailer: boolean): RequestPart[] {
  const firstAnswer = parts.findIndex((part) => part.thought !== true);
  const last = parts.length - 1;
  const signed = new Set<number>();
  for (const [index, part] of parts.entries()) {
    const isImage = part.inlineData !== undefined && part.thought !== true;
    const isTrailer = signTrailer && index === last && part.text === '';
    if (index === firstAnswer || isImage || isTrailer) signed.add(index);
  }
  return signParts(parts, signed);
}

/** The text of the last user turn: what the images are "of". */
export function lastUserText(request: GenerateContentRequest): string {
  const last = request.contents?.[request.contents.length - 1];
  return (last?.parts ?? [])
    .filter((part) => part.thought !== true && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n');
}

/**
 * Whether the request asks for the model's thoughts: without includeThoughts Google sends
 * no thought summaries (its thinking docs), and so none of Gemini 3 Pro Image's drafts either.
 */
function wantsThoughts(request: GenerateContentRequest): boolean {
  return request.generationConfig?.thinkingConfig?.includeThoughts === true;
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
