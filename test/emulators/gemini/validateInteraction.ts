// Everything the emulator rejects in a POST /v1beta/interactions body, in the
// order a parser would meet it: the shape (interactionRequest.ts: unknown
// fields, wrong types, unknown step or content types), the input's four
// forms, what the emulator does not emulate, then the meaning (images that
// are not what they claim, image options the model does not take, a
// history that ends with the model, thought signatures). A request that
// passes comes back with its input normalised to steps and the output it
// asks for.

import { interactionsError, invalidRequest, type InteractionsError } from './interactionsErrors.js';
import {
  CONTENT_TYPES,
  content,
  interactionRequestSchema,
  NOT_EMULATED,
  step,
  STEP_TYPES,
  type ContentItem,
  type InteractionRequest,
  type ResponseFormat,
  type Step,
} from './interactionsRequest.js';
import { checkTurnSignatures } from './interactionsSignatures.js';
import { ACCEPTED_IMAGE_TYPES, leadingBytes, matchesImageMagic } from './imageMagic.js';
import type { ImageOptionRange } from './modelImageOptions.js';
import { z } from 'zod';


/** What the answer should hold, decided from response_format or the deprecated fields. */
export interface OutputPlan {
  image?: { aspectRatio?: string; imageSize?: string };
  text: boolean;
}

export type InteractionValidation =
  | { ok: true; request: InteractionRequest; output: OutputPlan; deprecated: string[] }
  | { ok: false; error: InteractionsError };

/** Gemini 3 image models take up to 14 reference images per request (as on generateContent). */
export const MAX_INPUT_IMAGES = 14;
const RESOLUTIONS = ['low', 'medium', 'high', 'ultra_high'];
const SEARCH_TYPES = ['web_search', 'image_search', 'enterprise_web_search'];

export function validateInteraction(body: unknown, imageOptions: ImageOptionRange): InteractionValidation {
  const parsed = interactionRequestSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) return { ok: false, error: invalidRequest(describeIssue(parsed.error.issues[0])) };
  const fields = parsed.data;
  const notEmulated = NOT_EMULATED.find((field) => fields[field] !== undefined && fields[field] !== false);
  if (notEmulated) {
    return { ok: false, error: invalidRequest(`This emulator does not emulate "${notEmulated}"; the bot should not need it.`) };
  }
  const input = readInput(fields.input);
  if (!input.ok) return input;
  const { environment: _environment, webhook_config: _webhook, ...known } = fields;
  const request: InteractionRequest = { ...known, input: input.steps, rawInput: input.raw };
  const deprecated = deprecatedFields(request);
  const error =
    checkSteps(request.input) ??
    checkTools(request) ??
    checkOutputConfig(request, imageOptions) ??
    checkTurnSignatures(request.input);
  if (error) return { ok: false, error };
  return { ok: true, request, output: planOutput(request), deprecated };
}

type InputResult = { ok: true; steps: Step[]; raw: InteractionRequest['rawInput'] } | { ok: false; error: InteractionsError };

/** `input` is a string, one content, a list of contents or a list of steps (confirmed: InteractionsInput in the SDK). */
function readInput(input: unknown): InputResult {
  if (input === undefined) return { ok: false, error: invalidRequest('input is required.') };
  if (typeof input === 'string') {
    if (input.trim() === '') return { ok: false, error: invalidRequest('input must not be empty.') };
    return { ok: true, steps: [{ type: 'user_input', content: [{ type: 'text', text: input }] }], raw: input };
  }
  if (Array.isArray(input)) {
    if (input.length === 0) return { ok: false, error: invalidRequest('input must not be empty.') };
    const isSteps = input.some((item) => STEP_TYPES.has(typeOf(item)));
    const isContents = input.some((item) => CONTENT_TYPES.has(typeOf(item)));
    if (isSteps && isContents) {
      return { ok: false, error: invalidRequest('input is either a list of steps or a list of contents, not both.') };
    }
    if (isSteps) {
      const steps = parseWith(z.array(step), input);
      return steps.ok ? { ok: true, steps: steps.value, raw: steps.value } : steps;
    }
    const contents = parseWith(z.array(content), input);
    return contents.ok ? { ok: true, steps: [{ type: 'user_input', content: contents.value }], raw: contents.value } : contents;
  }
  const single = parseWith(content, input);
  return single.ok ? { ok: true, steps: [{ type: 'user_input', content: [single.value] }], raw: single.value } : single;
}

function typeOf(item: unknown): string {
  return item !== null && typeof item === 'object' && typeof (item as { type?: unknown }).type === 'string'
    ? (item as { type: string }).type
    : '';
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): { ok: true; value: T } | { ok: false; error: InteractionsError } {
  const parsed = schema.safeParse(value, { reportInput: true });
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: invalidRequest(describeIssue(parsed.error.issues[0], ['input'])) };
}

function checkSteps(input: readonly Step[]): InteractionsError | undefined {
  const last = input[input.length - 1] as Step;
  if (last.type !== 'user_input') {
    return invalidRequest('input must end with a user_input step: the model answers the user, not itself.');
  }
  for (const [index, item] of input.entries()) {
    const items = item.type === 'thought' ? (item.summary ?? []) : 'content' in item ? (item.content ?? []) : [];
    if (item.type === 'user_input' && items.length === 0) return invalidRequest(`input[${index}].content must not be empty.`);
    for (const [position, entry] of items.entries()) {
      const error = checkContent(entry, `input[${index}].${item.type === 'thought' ? 'summary' : 'content'}[${position}]`);
      if (error) return error;
    }
  }
  const images = (last.content ?? []).filter((entry) => entry.type === 'image').length;
  if (images > MAX_INPUT_IMAGES) {
    return invalidRequest(`The request has ${images} images in its last input; at most ${MAX_INPUT_IMAGES} input images are supported.`);
  }
  return undefined;
}

function checkContent(entry: ContentItem, path: string): InteractionsError | undefined {
  if (entry.type !== 'image') return undefined;
  if (entry.resolution !== undefined && !RESOLUTIONS.includes(entry.resolution)) {
    return invalidRequest(`Invalid value at '${path}.resolution', "${entry.resolution}".`);
  }
  if (entry.uri !== undefined) {
    if (entry.data !== undefined) return invalidRequest(`${path}: set data or uri, not both.`);
    // The emulator has no Files API, so no upload can exist to be referred to (as on its generateContent side).
    return interactionsError(403, `You do not have permission to access the File ${entry.uri} or it may not exist.`);
  }
  if (entry.data === undefined) return invalidRequest(`${path}: an image needs data or uri.`);
  const mimeType = entry.mime_type ?? '';
  if (!(ACCEPTED_IMAGE_TYPES as readonly string[]).includes(mimeType)) return invalidRequest(`Unsupported MIME type: ${mimeType}`);
  if (!isStandardBase64(entry.data)) return invalidRequest(`Invalid value at '${path}.data': Base64 decoding failed.`);
  if (!matchesImageMagic(mimeType, leadingBytes(entry.data))) {
    return invalidRequest('Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
  }
  return undefined;
}

/** Linear-time: a grouped regex overflows V8's stack on megabytes of base64. */
function isStandardBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}

function checkTools(request: InteractionRequest): InteractionsError | undefined {
  for (const [index, tool] of (request.tools ?? []).entries()) {
    const unknown = (tool.search_types ?? []).find((type) => !SEARCH_TYPES.includes(type));
    if (unknown !== undefined) return invalidRequest(`Invalid value at 'tools[${index}].search_types', "${unknown}".`);
  }
  return undefined;
}

function imageFormats(request: InteractionRequest): Array<Extract<ResponseFormat, { type: 'image' }>> {
  return formatsOf(request).filter((format): format is Extract<ResponseFormat, { type: 'image' }> => format.type === 'image');
}

function formatsOf(request: InteractionRequest): ResponseFormat[] {
  const formats = request.response_format;
  return formats === undefined ? [] : Array.isArray(formats) ? formats : [formats];
}

function checkOutputConfig(request: InteractionRequest, options: ImageOptionRange): InteractionsError | undefined {
  const images = imageFormats(request);
  if (images.length > 1) return invalidRequest('response_format may hold at most one entry of type "image".');
  if (formatsOf(request).filter((format) => format.type === 'text').length > 1) {
    return invalidRequest('response_format may hold at most one entry of type "text".');
  }
  const legacy = request.generation_config?.image_config;
  // ASSUMED: Google documents image_config as deprecated in favour of response_format, not what both at once do.
  if (images.length > 0 && legacy !== undefined) {
    return invalidRequest('Set the image options in response_format only: generation_config.image_config is deprecated.');
  }
  const image = images[0];
  if (image?.mime_type !== undefined && image.mime_type !== 'image/jpeg') {
    return invalidRequest(`Unsupported image mime_type: "${image.mime_type}". Supported values are: image/jpeg.`);
  }
  if (image?.delivery !== undefined && image.delivery !== 'inline') {
    return invalidRequest(`This emulator delivers images inline only; delivery "${image.delivery}" is not emulated.`);
  }
  const path = image ? 'response_format' : 'generation_config.image_config';
  const { aspect_ratio: aspectRatio, image_size: imageSize } = image ?? legacy ?? {};
  if (aspectRatio !== undefined && !options.aspectRatios.includes(aspectRatio)) {
    return invalidRequest(`Unsupported aspect ratio at '${path}.aspect_ratio': "${aspectRatio}". Supported values are: ${options.aspectRatios.join(', ')}.`);
  }
  // Google matches sizes exactly: "2k" is as wrong as "2048".
  if (imageSize !== undefined && !options.imageSizes.includes(imageSize)) {
    return invalidRequest(`Unsupported image size at '${path}.image_size': "${imageSize}". Supported values are: ${options.imageSizes.join(', ')}.`);
  }
  const unsupported = (request.response_modalities ?? []).find((modality) => modality !== 'text' && modality !== 'image');
  if (unsupported !== undefined) return invalidRequest(`Model does not support the requested response modalities: ${unsupported}`);
  return undefined;
}

/**
 * Deprecated in Google's SDK types ("will be removed in a future release")
 * and still accepted: the emulator honours them and names them in the
 * recorded request, so a bot test can insist that none is sent.
 */
function deprecatedFields(request: InteractionRequest): string[] {
  const found: string[] = [];
  if (request.generation_config?.image_config !== undefined) found.push('generation_config.image_config');
  if (request.response_modalities !== undefined) found.push('response_modalities');
  if (request.response_mime_type !== undefined) found.push('response_mime_type');
  return found;
}

/**
 * ASSUMED, like the generateContent side's responseModalities: an image is
 * drawn only when the request asks for one (an image entry in
 * response_format, or the deprecated response_modalities / image_config);
 * text comes with it unless the request asks for the image alone.
 */
function planOutput(request: InteractionRequest): OutputPlan {
  const formats = formatsOf(request);
  const modalities = request.response_modalities;
  const image = imageFormats(request)[0];
  const legacy = request.generation_config?.image_config;
  const wantsImage = image !== undefined || modalities?.includes('image') === true || legacy !== undefined;
  if (!wantsImage) return { text: true };
  const options = image ?? legacy ?? {};
  const text = formats.length > 0 ? formats.some((format) => format.type === 'text') : modalities === undefined || modalities.includes('text');
  const plan: OutputPlan = { image: {}, text };
  if (options.aspect_ratio !== undefined) plan.image!.aspectRatio = options.aspect_ratio;
  if (options.image_size !== undefined) plan.image!.imageSize = options.image_size;
  return plan;
}

/** One zod issue in the words Google's parsers use ("Unknown name", "Invalid value at"). */
function describeIssue(issue: z.core.$ZodIssue | undefined, prefix: PropertyKey[] = []): string {
  if (!issue) return 'Invalid JSON payload received.';
  const path = formatPath([...prefix, ...issue.path]);
  const at = path === '' ? '' : ` at '${path}'`;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `Invalid JSON payload received. Unknown name "${issue.keys[0] ?? ''}"${at}: Cannot find field.`;
    case 'invalid_union':
      return `Invalid value${at}, ${preview(typeOf(issue.input) || issue.input)}${'options' in issue && issue.options ? `: expected one of ${issue.options.join(', ')}` : ''}.`;
    case 'invalid_type':
      if (issue.input === undefined) return `Invalid JSON payload received. Required field '${path}' is missing.`;
      return `Invalid value${at} (${issue.expected}), ${preview(issue.input)}`;
    case 'invalid_value':
      return `Invalid value${at}, ${preview(issue.input)}: expected one of ${issue.values.map((value) => String(value)).join(', ')}.`;
    default:
      return `Invalid value${at}: ${issue.message}`;
  }
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`), '');
}

/** Google quotes the offending value; keep megabytes of base64 out of the message. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}
