// The body of POST /v1beta/interactions as the emulator accepts it: zod
// schemas written from the request types of Google's @google/genai SDK
// (2.32.0, generated from Google's API description; see the conformance
// check at the bottom). Every object is strict: a field the SDK does not know
// is a 400, like Google's own parser; so is camelCase (the API is snake_case
// only). The emulator accepts the part of the API an image bot can use
// (text and image content, the steps such a conversation holds, Google
// Search); the rest of what the SDK knows is listed in NOT_EMULATED and
// refused with a message that says so, never silently ignored.

import type { Interactions } from '@google/genai';
import { z } from 'zod';

/** The citations a grounded answer's text carries; a replay sends them back as received. */
export const urlCitation = z.strictObject({
  type: z.literal('url_citation'),
  url: z.string().optional(),
  title: z.string().optional(),
  start_index: z.number().int().optional(),
  end_index: z.number().int().optional(),
});

export const textContent = z.strictObject({
  type: z.literal('text'),
  text: z.string(),
  annotations: z.array(urlCitation).optional(),
});

export const imageContent = z.strictObject({
  type: z.literal('image'),
  data: z.string().optional(),
  mime_type: z.string().optional(),
  uri: z.string().optional(),
  resolution: z.string().optional(),
});

export const content = z.discriminatedUnion('type', [textContent, imageContent]);

export const userInputStep = z.strictObject({ type: z.literal('user_input'), content: z.array(content).optional() });

export const thoughtStep = z.strictObject({
  type: z.literal('thought'),
  signature: z.string().optional(),
  summary: z.array(content).optional(),
});

/** google.rpc.Status, as a model_output step carries it when that step failed. */
const stepError = z.strictObject({
  code: z.number().int().optional(),
  message: z.string().optional(),
  details: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const modelOutputStep = z.strictObject({
  type: z.literal('model_output'),
  content: z.array(content).optional(),
  error: stepError.optional(),
});

export const googleSearchCallStep = z.strictObject({
  type: z.literal('google_search_call'),
  id: z.string(),
  arguments: z.strictObject({ queries: z.array(z.string()).optional() }),
  search_type: z.string().optional(),
  signature: z.string().optional(),
});

export const googleSearchResultStep = z.strictObject({
  type: z.literal('google_search_result'),
  call_id: z.string(),
  result: z.array(z.strictObject({ search_suggestions: z.string().optional() })),
  is_error: z.boolean().optional(),
  signature: z.string().optional(),
});

export const step = z.discriminatedUnion('type', [
  userInputStep,
  thoughtStep,
  modelOutputStep,
  googleSearchCallStep,
  googleSearchResultStep,
]);

export const STEP_TYPES: ReadonlySet<string> = new Set(['user_input', 'thought', 'model_output', 'google_search_call', 'google_search_result']);
export const CONTENT_TYPES: ReadonlySet<string> = new Set(['text', 'image']);

export const imageResponseFormat = z.strictObject({
  type: z.literal('image'),
  aspect_ratio: z.string().optional(),
  image_size: z.string().optional(),
  mime_type: z.string().optional(),
  delivery: z.string().optional(),
});

export const textResponseFormat = z.strictObject({
  type: z.literal('text'),
  mime_type: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});

export const responseFormat = z.discriminatedUnion('type', [imageResponseFormat, textResponseFormat]);

export const googleSearchTool = z.strictObject({ type: z.literal('google_search'), search_types: z.array(z.string()).optional() });

/** Deprecated by Google in May 2026 (response_format replaces it), still accepted: see validateInteraction.ts. */
export const imageConfig = z.strictObject({ aspect_ratio: z.string().optional(), image_size: z.string().optional() });

export const generationConfig = z.strictObject({
  image_config: imageConfig.optional(),
  max_output_tokens: z.number().int().optional(),
  seed: z.number().int().optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  thinking_level: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
  thinking_summaries: z.enum(['auto', 'none']).optional(),
  tool_choice: z.union([z.enum(['auto', 'any', 'none', 'validated']), z.record(z.string(), z.unknown())]).optional(),
});

export const HARM_CATEGORIES = [
  'hate_speech',
  'dangerous_content',
  'harassment',
  'sexually_explicit',
  'civic_integrity',
  'image_hate',
  'image_dangerous_content',
  'image_harassment',
  'image_sexually_explicit',
  'jailbreak',
] as const;

export const safetySetting = z.strictObject({
  type: z.enum(HARM_CATEGORIES),
  threshold: z.enum(['block_low_and_above', 'block_medium_and_above', 'block_only_high', 'block_none', 'off']),
  method: z.enum(['severity', 'probability']).optional(),
});

/** Fields of CreateModelInteraction the SDK knows and the emulator does not emulate. */
export const NOT_EMULATED = ['background', 'cached_content', 'continuation_token', 'environment', 'webhook_config'] as const;

export const interactionRequestSchema = z.strictObject({
  model: z.string(),
  // One of four shapes (a string, one content, a list of contents, a list of steps): read by readInput.
  input: z.unknown().optional(),
  previous_interaction_id: z.string().optional(),
  store: z.boolean().optional(),
  stream: z.boolean().optional(),
  system_instruction: z.string().optional(),
  tools: z.array(googleSearchTool).optional(),
  response_format: z.union([responseFormat, z.array(responseFormat)]).optional(),
  /** Deprecated (response_format replaces it); lower-case modality names. */
  response_modalities: z.array(z.enum(['text', 'image', 'audio', 'video', 'document'])).optional(),
  /** Deprecated (response_format's text entry replaces it). */
  response_mime_type: z.string().optional(),
  generation_config: generationConfig.optional(),
  safety_settings: z.array(safetySetting).optional(),
  service_tier: z.enum(['flex', 'standard', 'priority', 'deferred']).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  background: z.boolean().optional(),
  cached_content: z.string().optional(),
  continuation_token: z.string().optional(),
  environment: z.unknown().optional(),
  webhook_config: z.unknown().optional(),
});

export type ContentItem = z.infer<typeof content>;
export type Step = z.infer<typeof step>;
export type ThoughtStep = z.infer<typeof thoughtStep>;
export type ResponseFormat = z.infer<typeof responseFormat>;

/** A body that passed the schema and readInput: `input` normalised to steps, what it was kept in `rawInput`. */
export interface InteractionRequest extends Omit<z.infer<typeof interactionRequestSchema>, 'input' | 'environment' | 'webhook_config'> {
  input: Step[];
  rawInput: string | ContentItem | ContentItem[] | Step[];
}

// Compile-time proof that the schema accepts nothing the SDK's types would
// reject: each accepted shape must be assignable to Google's type.
type Conforms<Google, Ours extends Google> = Ours;
export type RequestConformance = [
  Conforms<Interactions.InteractionCreateParams.CreateModelInteractionParams, Omit<InteractionRequest, 'input' | 'rawInput'> & { input: InteractionRequest['rawInput'] }>,
  Conforms<Interactions.Step, Step>,
  Conforms<Interactions.Content, ContentItem>,
  Conforms<Interactions.ImageResponseFormat | Interactions.TextResponseFormat, ResponseFormat>,
];
