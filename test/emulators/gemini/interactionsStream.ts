// A streamed interaction (`"stream": true`): the same answer as the
// non-streamed one, as server-sent events. Confirmed (Google's SDK types and
// its unit test of the stream parser): `text/event-stream`, each event one
// `data: <JSON>` line and a blank line, every event with an event_type and
// an event_id, the stream closed by `data: [DONE]`. The events:
//   interaction.created (status in_progress, no steps)
//   for each step: step.start (the step without its streamed parts),
//     step.delta ..., step.stop
//   interaction.completed (the final status and usage, and no steps:
//     a client rebuilds them from the deltas)
//   error (a failure after the stream began; the stream ends after it).
// The deltas, and how a client rebuilds each step exactly (so that a
// stateless replay of the rebuilt steps verifies):
// - thought: `thought_summary` deltas each carry one content item (text
//   pieces or a sketch image) appended to `summary`, consecutive text pieces
//   joined into one text item; `thought_signature` sets `signature`.
// - model_output: `text` deltas append text (consecutive pieces joined),
//   `text_annotation_delta` adds citations to the text before it, `image`
//   deltas append an image item.
// - google_search_call / google_search_result: their delta sets
//   `arguments` / `result` and `signature`.
// ASSUMED: that texts arrive in several pieces (the emulator always splits
// them, so a client that does not join them fails), where a step's error
// sits (on the model_output step in step.start), that no `event:` or `id:`
// lines are sent, and what the event_id tokens look like.

import type { Interactions } from '@google/genai';
import type { ServerResponse } from 'node:http';
import type { InteractionAnswer, InteractionEnvelope } from './interactionsAnswer.js';
import type { InteractionsError } from './interactionsErrors.js';
import type { ContentItem, Step } from './interactionsRequest.js';
import type { RecordedInteractionRequest } from './interactionsTypes.js';
import { chunkCount, flushed, write } from './streamAnswer.js';
import type { StreamScript } from './types.js';
import { settledBeforeClose } from './waits.js';

type Event = Interactions.InteractionSSEEvent;
type Delta = Interactions.StepDelta['delta'];

/** The events of one answered interaction, in order, without the closing [DONE]. */
export function interactionEvents(envelope: InteractionEnvelope, answer: InteractionAnswer): Event[] {
  const events: Event[] = [];
  const created = envelope.created.toISOString();
  const base = { id: envelope.id, model: envelope.model, object: 'interaction', created };
  events.push({ event_type: 'interaction.created', interaction: { ...base, status: 'in_progress' } });
  for (const [index, step] of answer.steps.entries()) {
    events.push({ event_type: 'step.start', index, step: startOf(step) });
    for (const delta of deltasOf(step)) events.push({ event_type: 'step.delta', index, delta });
    events.push({ event_type: 'step.stop', index });
  }
  events.push({ event_type: 'interaction.completed', interaction: { ...base, status: answer.status, updated: created, usage: answer.usage } });
  return events.map((event, position) => ({ ...event, event_id: `evt_${envelope.id.slice(-8)}_${position + 1}` }));
}

/** What step.start announces: the step without what its deltas carry. */
function startOf(step: Step): Interactions.Step {
  switch (step.type) {
    case 'thought':
      return { type: 'thought' };
    case 'model_output':
      return step.error ? { type: 'model_output', error: step.error } : { type: 'model_output' };
    case 'google_search_call':
    case 'google_search_result': {
      const { signature: _streamed, ...rest } = step;
      return rest;
    }
    case 'user_input':
      return step;
  }
}

function deltasOf(step: Step): Delta[] {
  switch (step.type) {
    case 'thought': {
      const deltas: Delta[] = (step.summary ?? []).flatMap((item) => pieces(item).map((content) => ({ type: 'thought_summary' as const, content })));
      if (step.signature !== undefined) deltas.push({ type: 'thought_signature', signature: step.signature });
      return deltas;
    }
    case 'model_output':
      return (step.content ?? []).flatMap((item): Delta[] => {
        if (item.type === 'image') return [{ ...item }];
        const texts: Delta[] = pieces(item).map((piece) => ({ type: 'text', text: piece.type === 'text' ? piece.text : '' }));
        return item.annotations ? [...texts, { type: 'text_annotation_delta', annotations: item.annotations }] : texts;
      });
    case 'google_search_call':
      return [{ type: 'google_search_call', arguments: step.arguments, ...(step.signature === undefined ? {} : { signature: step.signature }) }];
    case 'google_search_result':
      return [{ type: 'google_search_result', result: step.result, ...(step.signature === undefined ? {} : { signature: step.signature }) }];
    case 'user_input':
      return [];
  }
}

/** A text item in two pieces (a short one whole); anything else as it is. */
function pieces(item: ContentItem): ContentItem[] {
  if (item.type !== 'text' || item.text.length < 2) return [item.type === 'text' ? { type: 'text', text: item.text } : item];
  const middle = Math.floor(item.text.length / 2);
  return [
    { type: 'text', text: item.text.slice(0, middle) },
    { type: 'text', text: item.text.slice(middle) },
  ];
}

export interface InteractionStreamDelivery {
  /** Faults, counted in events: cutAfter, endAfter, stallAfter/until/onStall, errorAfter/errorStatus. */
  script: StreamScript | undefined;
  record: RecordedInteractionRequest;
  closing: AbortSignal;
  /** The error an `errorAfter` fault sends, as an error event. */
  midStreamError: InteractionsError;
}

const DONE = 'data: [DONE]\n\n';

export async function writeInteractionStream(response: ServerResponse, events: Event[], delivery: InteractionStreamDelivery): Promise<void> {
  const { script = {}, record, closing } = delivery;
  const sent: unknown[] = [];
  record.response = sent;
  record.streamEnd = 'streaming';
  if (response.destroyed) {
    record.streamEnd = 'client-gone';
    return;
  }
  response.once('close', () => {
    if (record.streamEnd === 'streaming') record.streamEnd = 'client-gone';
  });
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.flushHeaders();
  const send = async (text: string, event?: unknown): Promise<boolean> => {
    if (!(await write(response, text))) return false;
    record.responseBytes += Buffer.byteLength(text);
    if (event !== undefined) sent.push(event);
    return true;
  };

  const stallAfter = chunkCount(script.stallAfter, events.length);
  const cutAfter = chunkCount(script.cutAfter, events.length);
  for (let index = 0; index <= events.length; index++) {
    if (index === stallAfter) {
      script.onStall?.();
      if (script.until && !(await settledBeforeClose(script.until, closing))) return;
    }
    if (index === cutAfter) {
      await flushed(response);
      record.streamEnd = 'cut';
      response.destroy();
      return;
    }
    if (index === script.errorAfter) {
      const error = { event_type: 'error', event_id: `evt_error_${index + 1}`, error: delivery.midStreamError.body.error };
      if (!(await send(frame(error), error))) return;
      record.streamEnd = 'error';
      response.end();
      return;
    }
    if (index === script.endAfter) {
      record.streamEnd = 'ended';
      response.end();
      return;
    }
    if (index === events.length) break;
    if (!(await send(frame(events[index]), events[index]))) return;
  }
  if (!(await send(DONE))) return;
  record.streamEnd = 'complete';
  response.end();
}

function frame(event: unknown): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}
