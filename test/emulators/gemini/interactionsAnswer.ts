// The model's side of an interaction: the steps it answers with, its status
// and its usage, for each scripted behaviour. Shapes are typed with Google's
// SDK types (Interactions.Interaction, Usage), so the compiler holds them to
// the API description. An answer with steps always starts with a signed
// thought step (confirmed field; ASSUMED placement, as on generateContent
// where thoughts come first), then Google Search call and result steps when
// the request has the google_search tool, then one model_output step with
// text and/or JPEG images ({type:"image", data, mime_type}, confirmed shape).
// Interim "sketch" images of Gemini 3 Pro Image ride in the thought step's
// summary (ASSUMED: FACTS says this is not confirmed).
//
// The shared behaviours map as follows (all ASSUMED, Google documents none):
// - image, text-only: status completed.
// - prompt-blocked, and finish with a safety reason (anything but STOP,
//   NO_IMAGE, MAX_TOKENS): per the safety style, completed with only text
//   (what users report), or failed with no steps.
// - finish NO_IMAGE or STOP: completed with only text.
// - finish MAX_TOKENS: incomplete.
// - no-candidates: completed with no steps.

import type { Interactions } from '@google/genai';
import { imageBlob } from './damageImage.js';
import type { ContentItem, InteractionRequest, Step } from './interactionsRequest.js';
import { signTurn } from './interactionsSignatures.js';
import type { InteractionBehaviour, InteractionStatus, SafetyStyle } from './interactionsTypes.js';
import { buildJpeg } from './jpeg.js';
import { INPUT_IMAGE_TOKENS, outputImageTokens, textTokens, THOUGHT_TOKENS } from './usage.js';
import type { OutputPlan } from './validateInteraction.js';

export type AnsweringInteractionBehaviour = Extract<
  InteractionBehaviour,
  { kind: 'image' | 'text-only' | 'prompt-blocked' | 'finish' | 'no-candidates' | 'status' | 'step-error' | 'unreadable' }
>;

export interface InteractionAnswerContext {
  request: InteractionRequest;
  output: OutputPlan;
  /** What the model sees: the stored history it continues, then this request's input. */
  history: readonly Step[];
  safetyStyle: SafetyStyle;
  /** Hands out image serial numbers, unique within one emulator. */
  nextSerial(): number;
}

export interface InteractionAnswer {
  status: InteractionStatus;
  /** The model's steps, signed. */
  steps: Step[];
  usage: Interactions.Usage;
}

const DEFAULT_IMAGE_TEXT = "Here's the image you asked for.";
const TEXT_INSTEAD_OF_IMAGE = 'I can describe it in words, but this request did not ask for an image (response_format has no image entry).';
const SAFETY_TEXT = "I can't create that image. Try describing something else.";
const STEP_ERROR_MESSAGE = 'An internal error occurred while generating this step.';
const NOT_SAFETY = new Set(['STOP', 'NO_IMAGE', 'MAX_TOKENS']);

export function answerInteraction(behaviour: AnsweringInteractionBehaviour, context: InteractionAnswerContext): InteractionAnswer {
  // An image's answer with a field no client can read: the shape is wrong on purpose, past what the SDK's types allow.
  if (behaviour.kind === 'unreadable') return { ...answerInteraction({ kind: 'image' }, context), usage: 'unreadable' as unknown as Interactions.Usage };
  const { status, steps } = stepsFor(behaviour, context);
  const signed = steps.length > 0 ? signTurn(steps) : [];
  return { status, steps: signed, usage: usageOf(context, signed) };
}

function stepsFor(behaviour: Exclude<AnsweringInteractionBehaviour, { kind: 'unreadable' }>, context: InteractionAnswerContext): { status: InteractionStatus; steps: Step[] } {
  const prompt = lastUserText(context.history);
  switch (behaviour.kind) {
    case 'image':
    case 'text-only':
      return { status: 'completed', steps: modelTurn(behaviour, context, prompt) };
    case 'prompt-blocked':
      return safetyStop(context, prompt, undefined);
    case 'finish': {
      const drafts = behaviour.thoughts || behaviour.thoughtImages ? drafted(context, prompt, behaviour.thoughtImages) : [];
      if (behaviour.reason === 'MAX_TOKENS') {
        return { status: 'incomplete', steps: answerSteps(context, prompt, drafts, behaviour.text === undefined ? [] : [{ type: 'text', text: behaviour.text }]) };
      }
      if (NOT_SAFETY.has(behaviour.reason)) {
        return { status: 'completed', steps: answerSteps(context, prompt, drafts, [{ type: 'text', text: behaviour.text ?? TEXT_INSTEAD_OF_IMAGE }]) };
      }
      return safetyStop(context, prompt, behaviour.text, drafts);
    }
    case 'no-candidates':
      return { status: 'completed', steps: [] };
    case 'status':
      return { status: behaviour.status, steps: behaviour.text === undefined ? [] : answerSteps(context, prompt, [], [{ type: 'text', text: behaviour.text }]) };
    case 'step-error': {
      const error = { code: behaviour.code ?? 13, message: behaviour.message ?? STEP_ERROR_MESSAGE };
      return { status: behaviour.status ?? 'failed', steps: [thoughtStep(context, prompt, []), { type: 'model_output', error }] };
    }
  }
}

function safetyStop(context: InteractionAnswerContext, prompt: string, text: string | undefined, drafts: ContentItem[] = []): { status: InteractionStatus; steps: Step[] } {
  if (context.safetyStyle === 'failed') return { status: 'failed', steps: [] };
  return { status: 'completed', steps: answerSteps(context, prompt, drafts, [{ type: 'text', text: text ?? SAFETY_TEXT }], false) };
}

function modelTurn(
  behaviour: Extract<AnsweringInteractionBehaviour, { kind: 'image' | 'text-only' }>,
  context: InteractionAnswerContext,
  prompt: string,
): Step[] {
  const plan = context.output;
  if (behaviour.kind === 'image' && plan.image) {
    const serial = context.nextSerial();
    const interim = Math.min(2, Math.max(0, behaviour.thoughtImages ?? 0));
    // Interim thought images are full-size drafts, as large as the final one.
    const drafts = Array.from({ length: interim }, (_, index) =>
      imageItem(buildJpeg({ serial, prompt, interim: true, draft: index + 1 }, behaviour.imageBytes), behaviour.thoughtDamage),
    );
    const content: ContentItem[] = plan.text ? [{ type: 'text', text: behaviour.text ?? DEFAULT_IMAGE_TEXT }] : [];
    const count = Math.max(1, behaviour.images ?? 1);
    for (let index = 0; index < count; index++) {
      const jpeg = buildJpeg({ serial: index === 0 ? serial : context.nextSerial(), prompt }, behaviour.imageBytes);
      content.push(imageItem(jpeg, behaviour.damage?.[index]));
    }
    return answerSteps(context, prompt, drafts, content);
  }
  // The model may draft before deciding not to draw: those drafts are interim images too.
  const drafts = behaviour.kind === 'text-only' ? drafted(context, prompt, behaviour.thoughtImages, behaviour.thoughtDamage) : [];
  const text = behaviour.kind === 'text-only' ? behaviour.text : (behaviour.text ?? TEXT_INSTEAD_OF_IMAGE);
  return answerSteps(context, prompt, drafts, [{ type: 'text', text }]);
}

function drafted(context: InteractionAnswerContext, prompt: string, count = 0, damage?: Parameters<typeof imageBlob>[1]): ContentItem[] {
  return Array.from({ length: Math.min(2, Math.max(0, count)) }, () =>
    imageItem(buildJpeg({ serial: context.nextSerial(), prompt, interim: true }), damage),
  );
}

function imageItem(jpeg: Buffer, damage?: Parameters<typeof imageBlob>[1]): ContentItem {
  const blob = imageBlob(jpeg, damage);
  return { type: 'image', data: blob.data, mime_type: blob.mimeType };
}

/** Thought, then search steps when grounded, then the answer. */
function answerSteps(context: InteractionAnswerContext, prompt: string, drafts: ContentItem[], content: ContentItem[], groundable = true): Step[] {
  const steps: Step[] = [thoughtStep(context, prompt, drafts)];
  const grounded = groundable && (context.request.tools ?? []).some((tool) => tool.type === 'google_search');
  if (grounded) steps.push(...searchSteps(prompt));
  const cited = grounded ? content.map((item) => (item.type === 'text' ? { ...item, annotations: citations(item.text) } : item)) : content;
  if (cited.length > 0) steps.push({ type: 'model_output', content: cited });
  return steps;
}

function thoughtStep(context: InteractionAnswerContext, prompt: string, drafts: ContentItem[]): Step {
  // generation_config.thinking_summaries "none" asks for the thought without its summary (confirmed field).
  if (context.request.generation_config?.thinking_summaries === 'none') return { type: 'thought' };
  const subject = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt;
  const summary: ContentItem[] = [
    { type: 'text', text: `**Planning the composition**\n\nI'm working out the layout, lighting and palette for: ${subject}` },
    ...drafts,
  ];
  return { type: 'thought', summary };
}

const SEARCH_CALL_ID = 'search_call_1';

function searchSteps(prompt: string): Step[] {
  return [
    { type: 'google_search_call', id: SEARCH_CALL_ID, arguments: { queries: [prompt.slice(0, 100)] }, search_type: 'web_search' },
    {
      type: 'google_search_result',
      call_id: SEARCH_CALL_ID,
      result: [{ search_suggestions: '<div class="container">Google Search suggestions</div>' }],
    },
  ];
}

/** The same two pages generateContent's grounding cites (responses.ts), so members see the same sources on both APIs. */
function citations(text: string): Array<{ type: 'url_citation'; url: string; title: string; start_index: number; end_index: number }> {
  const end = Buffer.byteLength(text);
  return [
    { type: 'url_citation', url: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/emulator', title: 'example.com', start_index: 0, end_index: end },
    { type: 'url_citation', url: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/emulator-2', title: 'weather.example', start_index: 0, end_index: end },
  ];
}

/** The text of the last user_input step: what the images are "of". */
export function lastUserText(history: readonly Step[]): string {
  const last = [...history].reverse().find((step) => step.type === 'user_input');
  return (last?.type === 'user_input' ? (last.content ?? []) : [])
    .flatMap((item) => (item.type === 'text' ? [item.text] : []))
    .join('\n');
}

/** Contents of a step, wherever a step keeps them. */
function contentsOf(step: Step): ContentItem[] {
  if (step.type === 'thought') return step.summary ?? [];
  if (step.type === 'user_input' || step.type === 'model_output') return step.content ?? [];
  return [];
}

/**
 * Plausible usage, at generateContent's rates (usage.ts): the whole history
 * is input, every time (ASSUMED: no cache discount, total_cached_tokens 0;
 * FACTS: not confirmed whether image models get one).
 */
function usageOf(context: InteractionAnswerContext, steps: readonly Step[]): Interactions.Usage {
  let inputText = context.request.system_instruction === undefined ? 0 : Math.max(1, textTokens(context.request.system_instruction));
  let inputImage = 0;
  for (const item of context.history.flatMap(contentsOf)) {
    if (item.type === 'text') inputText += Math.max(1, textTokens(item.text));
    else inputImage += INPUT_IMAGE_TOKENS;
  }
  const output = steps.filter((step) => step.type === 'model_output').flatMap(contentsOf);
  const outputText = output.reduce((sum, item) => sum + (item.type === 'text' ? textTokens(item.text) : 0), 0);
  const outputImage = output.filter((item) => item.type === 'image').length * outputImageTokens(context.output.image?.imageSize);
  const thoughts = steps.length > 0 ? THOUGHT_TOKENS : 0;
  const usage: Interactions.Usage = {
    total_input_tokens: inputText + inputImage,
    total_cached_tokens: 0,
    total_output_tokens: outputText + outputImage,
    total_thought_tokens: thoughts,
    total_tokens: inputText + inputImage + outputText + outputImage + thoughts,
    input_tokens_by_modality: byModality(inputText, inputImage),
    output_tokens_by_modality: byModality(outputText, outputImage),
  };
  if (steps.some((step) => step.type === 'google_search_call')) usage.grounding_tool_count = [{ type: 'google_search', count: 1 }];
  return usage;
}

function byModality(text: number, image: number): Interactions.Usage['input_tokens_by_modality'] {
  const entries = [{ modality: 'text', tokens: text }];
  if (image > 0) entries.push({ modality: 'image', tokens: image });
  return entries;
}

export interface InteractionEnvelope {
  id: string;
  model: string;
  previousInteractionId?: string;
  created: Date;
}

/** The POST answer (confirmed: POST returns the model's steps only; GET adds the user_input steps). */
export function interactionBody(envelope: InteractionEnvelope, answer: InteractionAnswer, steps: Step[] = answer.steps): Interactions.Interaction {
  const body: Interactions.Interaction = {
    id: envelope.id,
    status: answer.status,
    model: envelope.model,
    created: envelope.created.toISOString(),
    updated: envelope.created.toISOString(),
    steps,
    usage: answer.usage,
  };
  if (envelope.previousInteractionId !== undefined) body.previous_interaction_id = envelope.previousInteractionId;
  return body;
}
