// Everything the real API would reject in a generateContent body, checked in
// the order Google seems to: protobuf JSON first (unknown names, types,
// base64), then the request's meaning (roles, one data field per part, image
// types and bytes, image options, limits), then thought signatures. A request
// that passes is returned normalised to camelCase.

import { camelToSnake } from './caseStyle.js';
import { googleError, invalidArgument, invalidField, type GeminiError } from './errors.js';
import { ACCEPTED_IMAGE_TYPES, leadingBytes, matchesImageMagic } from './imageMagic.js';
import { parseProtoJson } from './protoJson.js';
import {
  GENERATE_CONTENT_REQUEST,
  PART_DATA_FIELDS,
  type GenerateContentRequest,
  type RequestContent,
  type RequestPart,
} from './requestSchema.js';
import { checkThoughtSignatures } from './signatures.js';
import type { ImageOptionRange } from './modelImageOptions.js';

/** Gemini 3 image models take up to 14 reference images per request. */
export const MAX_INPUT_IMAGES = 14;

export type ValidationResult = { ok: true; request: GenerateContentRequest } | { ok: false; error: GeminiError };

/** `imageOptions` is what the called model takes (modelImageOptions.ts): each model has its own aspect ratios and sizes. */
export function validateRequest(body: unknown, imageOptions: ImageOptionRange): ValidationResult {
  const parsed = parseProtoJson(body, GENERATE_CONTENT_REQUEST);
  if (!parsed.ok) return parsed;
  const request = parsed.value as GenerateContentRequest;
  const error =
    checkContents(request.contents ?? []) ??
    (request.systemInstruction && checkParts(request.systemInstruction, 'system_instruction')) ??
    checkGenerationConfig(request, imageOptions) ??
    checkThoughtSignatures(request.contents ?? []);
  return error ? { ok: false, error } : { ok: true, request };
}

function checkContents(contents: readonly RequestContent[]): GeminiError | undefined {
  if (contents.length === 0) {
    return invalidField('contents', '* GenerateContentRequest.contents: contents is not specified\n');
  }
  for (const [index, content] of contents.entries()) {
    // A lone turn may leave out its role (it is the user's); in a conversation every turn names one.
    const roleOk = content.role === 'user' || content.role === 'model' || (content.role === undefined && contents.length === 1);
    if (!roleOk) return invalidField(`contents[${index}].role`, 'Please use a valid role: user, model.');
    const error = checkParts(content, `contents[${index}]`);
    if (error) return error;
  }
  const last = contents[contents.length - 1] as RequestContent;
  if (last.role === 'model') {
    return invalidArgument('Please ensure that multiturn requests ends with a user role or a function response.');
  }
  const images = (last.parts ?? []).filter((part) => part.inlineData !== undefined || part.fileData !== undefined);
  if (images.length > MAX_INPUT_IMAGES) {
    return invalidArgument(
      `The request has ${images.length} images in its last turn; at most ${MAX_INPUT_IMAGES} input images are supported.`,
    );
  }
  return undefined;
}

function checkParts(content: RequestContent, path: string): GeminiError | undefined {
  const parts = content.parts ?? [];
  if (parts.length === 0) {
    return invalidField(`${path}.parts`, `* GenerateContentRequest.${path}.parts: contents.parts must not be empty.\n`);
  }
  for (const [index, part] of parts.entries()) {
    const error = checkPart(part, `${path}.parts[${index}]`);
    if (error) return error;
  }
  return undefined;
}

function checkPart(part: RequestPart, path: string): GeminiError | undefined {
  const dataFields = PART_DATA_FIELDS.filter((field) => part[field] !== undefined);
  if (dataFields.length === 0) {
    return invalidField(
      `${path}.data`,
      `* GenerateContentRequest.${path}.data: required oneof field 'data' must have one initialized field\n`,
    );
  }
  if (dataFields.length > 1) {
    return invalidField(
      path,
      `Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '${camelToSnake(dataFields[1] as string)}' at '${path}'.`,
    );
  }
  if (part.inlineData) return checkInlineImage(part.inlineData, `${path}.inline_data`);
  if (part.fileData) {
    // The emulator has no Files API, so no upload can exist to be referred to.
    return googleError(
      403,
      `You do not have permission to access the File ${part.fileData.fileUri ?? ''} or it may not exist.`,
    );
  }
  return undefined;
}

function checkInlineImage(blob: { mimeType?: string; data?: string }, path: string): GeminiError | undefined {
  const mimeType = blob.mimeType ?? '';
  if (!(ACCEPTED_IMAGE_TYPES as readonly string[]).includes(mimeType)) {
    return invalidField(`${path}.mime_type`, `Unsupported MIME type: ${mimeType}`);
  }
  if (!matchesImageMagic(mimeType, leadingBytes(blob.data ?? ''))) {
    return invalidField(
      `${path}.data`,
      'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    );
  }
  return undefined;
}

function checkGenerationConfig(request: GenerateContentRequest, imageOptions: ImageOptionRange): GeminiError | undefined {
  const config = request.generationConfig ?? {};
  const path = 'generation_config';
  for (const [index, modality] of (config.responseModalities ?? []).entries()) {
    if (modality !== 'TEXT' && modality !== 'IMAGE') {
      return invalidField(
        `${path}.response_modalities[${index}]`,
        `Model does not support the requested response modalities: ${modality.toLowerCase()}`,
      );
    }
  }
  if (config.candidateCount !== undefined && config.candidateCount > 1) {
    return invalidField(`${path}.candidate_count`, 'Multiple candidates is not enabled for this model.');
  }
  // Each model has its own range: Pro has no 1:8 and no "512", which 3.1 Flash makes.
  const { aspectRatio, imageSize } = config.imageConfig ?? {};
  const { aspectRatios, imageSizes } = imageOptions;
  if (aspectRatio !== undefined && !aspectRatios.includes(aspectRatio)) {
    return invalidField(
      `${path}.image_config.aspect_ratio`,
      `Unsupported aspect ratio: "${aspectRatio}". Supported values are: ${aspectRatios.join(', ')}.`,
    );
  }
  // Google matches sizes exactly: "2k" is as wrong as "2048".
  if (imageSize !== undefined && !imageSizes.includes(imageSize)) {
    return invalidField(
      `${path}.image_config.image_size`,
      `Unsupported image size: "${imageSize}". Supported values are: ${imageSizes.join(', ')}.`,
    );
  }
  return undefined;
}
