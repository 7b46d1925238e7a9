import type { GeminiContent, GeminiPart } from './geminiTypes.js';
import { readInlineData } from './inlineData.js';

/** A step of the Interactions API exactly as it travels (thought, model_output, search call and result, user_input). */
export type InteractionStep = Record<string, unknown>;
/** A content item of a step (`{type:"text",text}`, `{type:"image",data,mime_type}`), exactly as it travels. */
export type ContentItem = Record<string, unknown>;

/**
 * The Interactions API answers with steps whose images sit inside them
 * (`thought.summary[]`, `model_output.content[]`); the record, the blob
 * store, the size measure, the answer check and the edit target all work
 * on a content of parts whose images are `inline_data`. So an answer's steps
 * are kept as a model content of parts, one header part per step and one
 * part per content item, and turned back into the same steps exactly:
 *
 * - `{ step: <the step without its items> }` opens a step;
 * - `{ item: <the item>, in: "summary" | "content" }` adds an item to it; an
 *   image item keeps its place with `data: ""` and its bytes ride beside it
 *   in `inline_data` (moved to the blob store like any image), and a
 *   thought's items are marked `thought: true` (interim, never shown).
 *
 * The signatures (on thought and search steps) stay inside `step`, untouched.
 */
export function stepsToContent(steps: readonly InteractionStep[]): GeminiContent {
  const parts: GeminiPart[] = [];
  for (const step of steps) {
    const field = itemsFieldOf(step);
    const items = field ? (step[field] as unknown[]) : [];
    const header: InteractionStep = { ...step };
    if (field) delete header[field];
    parts.push({ step: header, ...(field ? { items: field } : {}) });
    for (const item of items) parts.push(itemPart(item as ContentItem, field!, step['type'] === 'thought'));
  }
  return { role: 'model', parts };
}

function itemPart(item: ContentItem, field: string, thought: boolean): GeminiPart {
  const marks = thought ? { thought: true } : {};
  if (item['type'] === 'image' && typeof item['data'] === 'string' && item['data'] !== '') {
    const mimeType = item['mime_type'];
    return { item: { ...item, data: '' }, in: field, inline_data: { ...(typeof mimeType === 'string' ? { mime_type: mimeType } : {}), data: item['data'] }, ...marks };
  }
  return { item, in: field, ...marks };
}

/** The field a step keeps its content items in, when it has them. */
function itemsFieldOf(step: InteractionStep): 'summary' | 'content' | undefined {
  if (step['type'] === 'thought') return Array.isArray(step['summary']) ? 'summary' : undefined;
  return Array.isArray(step['content']) ? 'content' : undefined;
}

/** Whether a stored model content holds Interactions steps (stepsToContent), not generateContent parts. */
export function holdsSteps(parts: readonly GeminiPart[]): boolean {
  return parts.length > 0 && parts.every((part) => isRecord(part['step']) || isRecord(part['item']));
}

/**
 * The steps back, exactly as received, from parts made by stepsToContent.
 * `imageData` turns each image's base64 (on hand, or a slot for an image
 * still in the blob store) into what the request carries in its place.
 */
export function contentToSteps<Part>(parts: readonly Part[], read: (part: Part) => { wire: GeminiPart; imageData?: unknown }): InteractionStep[] {
  const steps: InteractionStep[] = [];
  for (const part of parts) {
    const { wire, imageData } = read(part);
    if (isRecord(wire['step'])) {
      const field = wire['items'];
      steps.push({ ...(wire['step'] as InteractionStep), ...(field === 'summary' || field === 'content' ? { [field]: [] } : {}) });
      continue;
    }
    const step = steps.at(-1);
    const field = String(wire['in']);
    if (!step || !isRecord(wire['item']) || !Array.isArray(step[field])) continue;
    const item = wire['item'] as ContentItem;
    (step[field] as unknown[]).push(imageData === undefined ? item : { ...item, data: imageData });
  }
  // The items field comes back after the step's other fields (JSON key order carries no meaning; the values are exact).
  return steps;
}

/** A user part as the Interactions API takes it: `{type:"text"}` or `{type:"image", data, mime_type}`. */
export function userItemOf(part: GeminiPart, imageData?: unknown): ContentItem | undefined {
  if (typeof part['text'] === 'string') return { type: 'text', text: part['text'] };
  const inline = readInlineData(part);
  if (!inline) return undefined;
  return { type: 'image', data: imageData ?? inline.data, mime_type: inline.mimeType ?? 'application/octet-stream' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
