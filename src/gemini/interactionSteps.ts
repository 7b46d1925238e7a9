import type { GeminiPart } from './geminiTypes.js';
import { readInlineData } from './inlineData.js';

/** A step of the Interactions API exactly as it travels (thought, model_output, search call and result, user_input). */
export type InteractionStep = Record<string, unknown>;
/** A content item of a step (`{type:"text",text}`, `{type:"image",data,mime_type}`), exactly as it travels. */
export type ContentItem = Record<string, unknown>;

/**
 * The field a step keeps its content items in, when it has them: a
 * thought's `summary` (its drafts, images among them), any other step's
 * `content` (a model_output's text and images).
 */
export function itemsFieldOf(step: InteractionStep): 'summary' | 'content' | undefined {
  if (step['type'] === 'thought') return Array.isArray(step['summary']) ? 'summary' : undefined;
  return Array.isArray(step['content']) ? 'content' : undefined;
}

/** A user part as the Interactions API takes it: `{type:"text"}` or `{type:"image", data, mime_type}`. */
export function userItemOf(part: GeminiPart, imageData?: unknown): ContentItem | undefined {
  if (typeof part['text'] === 'string') return { type: 'text', text: part['text'] };
  const inline = readInlineData(part);
  if (!inline) return undefined;
  return { type: 'image', data: imageData ?? inline.data, mime_type: inline.mimeType ?? 'application/octet-stream' };
}
