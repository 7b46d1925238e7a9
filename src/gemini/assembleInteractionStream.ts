import { z } from 'zod';
import type { GeminiPart } from './geminiTypes.js';
import type { InteractionStep } from './interactionSteps.js';
import { isRecord } from './isRecord.js';

/** Read first: an event type this bot does not know is skipped whatever its fields hold (Google may add some). */
const eventTypeSchema = z.looseObject({ event_type: z.string() });

const KNOWN_EVENTS = new Set(['interaction.created', 'interaction.completed', 'interaction.status_update', 'step.start', 'step.delta', 'error']);

const eventSchema = z.looseObject({
  event_type: z.string(),
  index: z.number().int().nonnegative().nullish(),
  step: z.record(z.string(), z.unknown()).nullish(),
  delta: z.record(z.string(), z.unknown()).nullish(),
  interaction: z.record(z.string(), z.unknown()).nullish(),
  error: z.record(z.string(), z.unknown()).nullish(),
});

export interface InteractionStreamAssembly {
  /**
   * Reads one event. Returns the thought-summary items it added, as parts
   * (`thought: true`, images as `inline_data`) for the sketch tracker; an
   * `error` event's body when it is one; `invalid` when it is no event.
   */
  add(event: unknown): { parts: GeminiPart[] } | { error: Record<string, unknown> } | { invalid: true };
  /** Whether interaction.completed came: a stream that ends without it was cut. */
  finished(): boolean;
  /** The interaction's id once an event named it: Google stores the interaction even when its stream then breaks. */
  id(): string | undefined;
  /** The interaction as a non-streamed POST answers it: its envelope, final status and usage, and the steps rebuilt from the deltas. */
  interaction(): Record<string, unknown>;
}

/**
 * Puts a streamed interaction back together (FACTS: interaction.completed
 * carries no steps, a client rebuilds them): step.start opens a step,
 * step.delta adds to it (consecutive text pieces joined into one text item,
 * citations added to the text before them, images appended, signatures
 * set), so a later stateless replay sends each step exactly as a
 * non-streamed answer would have held it. Unknown event and delta types are
 * skipped: Google may add some, and they carry nothing this bot shows.
 */
export function assembleInteractionStream(): InteractionStreamAssembly {
  let envelope: Record<string, unknown> = {};
  let done = false;
  const steps: InteractionStep[] = [];
  return {
    add(raw) {
      const typed = eventTypeSchema.safeParse(raw);
      if (!typed.success) return { invalid: true };
      if (!KNOWN_EVENTS.has(typed.data.event_type)) return { parts: [] };
      const parsed = eventSchema.safeParse(raw);
      if (!parsed.success) return { invalid: true };
      const event = parsed.data;
      switch (event.event_type) {
        case 'interaction.created':
          envelope = { ...envelope, ...(event.interaction ?? {}) };
          return { parts: [] };
        case 'interaction.completed':
        case 'interaction.status_update':
          envelope = { ...envelope, ...(event.interaction ?? {}) };
          if (event.event_type === 'interaction.completed') done = true;
          return { parts: [] };
        case 'step.start':
          if (event.index != null && event.step) steps[event.index] = event.step; // a fresh parse of this event: nothing else holds it
          return { parts: [] };
        case 'step.delta': {
          const step = event.index != null ? steps[event.index] : undefined;
          return { parts: step && event.delta ? applyDelta(step, event.delta) : [] };
        }
        case 'error':
          return { error: event.error ?? {} };
        default:
          return { parts: [] };
      }
    },
    finished: () => done,
    id: () => (typeof envelope['id'] === 'string' && envelope['id'] !== '' ? envelope['id'] : undefined),
    interaction: () => ({ ...envelope, steps: steps.filter((step) => step !== undefined) }),
  };
}

/** Adds one delta to its step; the thought-summary items it brought, as parts for the sketch tracker. */
function applyDelta(step: InteractionStep, delta: Record<string, unknown>): GeminiPart[] {
  switch (delta['type']) {
    case 'thought_summary': {
      const item = delta['content'];
      if (!isRecord(item)) return [];
      appendItem(step, 'summary', item);
      if (item['type'] === 'image') return [{ thought: true, inline_data: { mime_type: item['mime_type'], data: item['data'] } }];
      return typeof item['text'] === 'string' ? [{ thought: true, text: item['text'] }] : [];
    }
    case 'thought_signature':
      step['signature'] = delta['signature'];
      return [];
    case 'text':
      appendItem(step, 'content', { type: 'text', text: delta['text'] });
      return [];
    case 'image': {
      const { type: _type, ...image } = delta;
      appendItem(step, 'content', { type: 'image', ...image });
      return [];
    }
    case 'text_annotation_delta': {
      const last = itemsOf(step, 'content').at(-1);
      if (last && last['type'] === 'text' && Array.isArray(delta['annotations'])) {
        last['annotations'] = [...(Array.isArray(last['annotations']) ? last['annotations'] : []), ...delta['annotations']];
      }
      return [];
    }
    case 'google_search_call':
    case 'google_search_result': {
      const { type: _type, ...fields } = delta;
      Object.assign(step, fields);
      return [];
    }
    default:
      return [];
  }
}

/** Appends an item; a text piece right after a text item (without citations yet) continues it. */
function appendItem(step: InteractionStep, field: 'summary' | 'content', item: Record<string, unknown>): void {
  const items = itemsOf(step, field);
  const last = items.at(-1);
  if (item['type'] === 'text' && last?.['type'] === 'text' && last['annotations'] === undefined && typeof item['text'] === 'string') {
    last['text'] = `${String(last['text'])}${item['text']}`;
    return;
  }
  items.push({ ...item });
}

function itemsOf(step: InteractionStep, field: 'summary' | 'content'): Array<Record<string, unknown>> {
  if (!Array.isArray(step[field])) step[field] = [];
  return step[field] as Array<Record<string, unknown>>;
}
