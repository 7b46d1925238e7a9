// A streamed interaction ("stream": true): server-sent events a client must
// rebuild the steps from, exactly, since interaction.completed carries none.
// These tests read the stream with a plain undici client, rebuild the steps
// as the bot will, and prove the rebuilt steps replay (their signatures
// verify), plus the stream's faults.

import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stalledStream, startGeminiEmulator, type GeminiEmulator } from './gemini/index.js';
import { create, expectedError, imageBytes, imageRequest, userInput, type Json } from './interactionsClient.js';

let emulator: GeminiEmulator;

beforeEach(async () => {
  emulator = await startGeminiEmulator();
});

afterEach(async () => {
  await emulator.close();
});

interface Streamed {
  status: number;
  contentType: string;
  events: Json[];
  /** The stream ended with `data: [DONE]`. */
  done: boolean;
  bytes: number;
  /** The connection broke before the body ended. */
  broken: boolean;
}

async function stream(body: Json): Promise<Streamed> {
  const response = await request(`${emulator.url}/interactions`, {
    method: 'POST',
    headers: { 'x-goog-api-key': emulator.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  let text = '';
  let broken = false;
  try {
    for await (const chunk of response.body) text += (chunk as Buffer).toString('utf8');
  } catch {
    broken = true;
  }
  const frames = text.split('\n\n').filter((frame) => frame !== '');
  for (const frame of frames) expect(frame).toMatch(/^data: /);
  const data = frames.map((frame) => frame.slice('data: '.length));
  const done = data.at(-1) === '[DONE]';
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type']),
    events: data.filter((item) => item !== '[DONE]').map((item) => JSON.parse(item) as Json),
    done,
    bytes: Buffer.byteLength(text),
    broken,
  };
}

/** The steps rebuilt from the deltas, as interactionsStream.ts tells a client to. */
function rebuild(events: Json[], joinText = true): Json[] {
  const steps: Json[] = [];
  for (const event of events) {
    if (event.event_type === 'step.start') steps[event.index] = structuredClone(event.step);
    if (event.event_type !== 'step.delta') continue;
    const step = steps[event.index] as Json;
    const delta = event.delta as Json;
    const append = (list: Json[], item: Json): void => {
      const last = list.at(-1);
      if (joinText && item.type === 'text' && last?.type === 'text') last.text += item.text;
      else list.push({ ...item });
    };
    switch (delta.type) {
      case 'thought_summary':
        append((step.summary ??= []), delta.content);
        break;
      case 'thought_signature':
        step.signature = delta.signature;
        break;
      case 'text':
        append((step.content ??= []), { type: 'text', text: delta.text });
        break;
      case 'text_annotation_delta':
        step.content.at(-1).annotations = delta.annotations;
        break;
      case 'image':
        step.content = [...(step.content ?? []), { ...delta }];
        break;
      case 'google_search_call':
        Object.assign(step, { arguments: delta.arguments, signature: delta.signature });
        break;
      case 'google_search_result':
        Object.assign(step, { result: delta.result, signature: delta.signature });
        break;
    }
  }
  return steps;
}

describe('a streamed interaction', () => {
  it('is interaction.created, each step as start, deltas and stop, interaction.completed without steps, then [DONE]', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 1 });
    const streamed = await stream(imageRequest('a banana on the moon'));
    expect([streamed.status, streamed.contentType, streamed.done]).toEqual([200, 'text/event-stream', true]);
    const { events } = streamed;
    const [created, ...rest] = events;
    const completed = rest.pop() as Json;
    expect(created).toMatchObject({ event_type: 'interaction.created', interaction: { id: expect.stringMatching(/^v1_/), status: 'in_progress' } });
    expect(created?.interaction.steps).toBeUndefined();
    expect(completed).toMatchObject({ event_type: 'interaction.completed', interaction: { id: created?.interaction.id, status: 'completed', usage: { total_output_tokens: expect.any(Number) } } });
    expect(completed.interaction.steps).toBeUndefined();
    expect(rest.map((event) => [event.event_type, event.index, event.delta?.type ?? event.step?.type])).toEqual([
      ['step.start', 0, 'thought'],
      ['step.delta', 0, 'thought_summary'],
      ['step.delta', 0, 'thought_summary'],
      ['step.delta', 0, 'thought_summary'],
      ['step.delta', 0, 'thought_signature'],
      ['step.stop', 0, undefined],
      ['step.start', 1, 'model_output'],
      ['step.delta', 1, 'text'],
      ['step.delta', 1, 'text'],
      ['step.delta', 1, 'image'],
      ['step.stop', 1, undefined],
    ]);
    // The sketch arrives as a thought_summary image: what the bot shows as a preview.
    const sketch = rest.find((event) => event.delta?.content?.type === 'image') as Json;
    expect(emulator.imageInfo(imageBytes(sketch.delta.content))).toMatchObject({ interim: true, prompt: 'a banana on the moon' });
    const ids = events.map((event) => event.event_id);
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rebuilds into the steps Google stored, which replay statelessly; unjoined text pieces do not', async () => {
    const { events } = await stream(imageRequest([userInput('a banana on the moon')]));
    const steps = rebuild(events);
    const id = events[0]?.interaction.id as string;
    expect(emulator.interactions.stored(id)?.steps.slice(1)).toEqual(steps);
    const history = (turn: Json[]): Json[] => [userInput('a banana on the moon'), ...turn, userInput('now add a cow')];
    expect((await create(emulator, imageRequest(history(steps), { store: false }))).status).toBe(200);
    const unjoined = await create(emulator, imageRequest(history(rebuild(events, false)), { store: false }));
    expect(unjoined.json.error?.message).toBe('Corrupted thought signature.');
  });

  it('streams a grounded answer: search steps and the text citations rebuild and replay', async () => {
    const grounding = { tools: [{ type: 'google_search' }] };
    const { events } = await stream(imageRequest([userInput('weather in Tokyo')], grounding));
    const steps = rebuild(events);
    expect(steps.map((step) => step.type)).toEqual(['thought', 'google_search_call', 'google_search_result', 'model_output']);
    expect(steps[3]?.content[0].annotations).toEqual([expect.objectContaining({ type: 'url_citation' }), expect.objectContaining({ type: 'url_citation' })]);
    const history = [userInput('weather in Tokyo'), ...steps, userInput('again')];
    expect((await create(emulator, imageRequest(history, { store: false, ...grounding }))).status).toBe(200);
  });

  it('ends a failed or empty interaction with no step events at all', async () => {
    emulator.interactions.setSafetyStyle('failed');
    emulator.enqueue({ kind: 'prompt-blocked', reason: 'SAFETY' });
    const { events, done } = await stream(imageRequest('bad'));
    expect(events.map((event) => [event.event_type, event.interaction?.status])).toEqual([
      ['interaction.created', 'in_progress'],
      ['interaction.completed', 'failed'],
    ]);
    expect(done).toBe(true);
  });

  it('answers an error before the stream as plain JSON with its HTTP status', async () => {
    emulator.enqueue({ kind: 'error', status: 429, retryDelay: '3s' });
    const response = await request(`${emulator.url}/interactions`, {
      method: 'POST',
      headers: { 'x-goog-api-key': emulator.apiKey },
      body: JSON.stringify({ ...imageRequest('x'), stream: true }),
    });
    expect(response.statusCode).toBe(429);
    expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
    expect(await response.body.json()).toEqual(expectedError('resource_exhausted'));
  });

  it('errorAfter: an error event with a string code ends the 200 stream, without [DONE]', async () => {
    emulator.enqueue({ kind: 'image', stream: { errorAfter: 3, errorStatus: 503 } });
    const { status, events, done } = await stream(imageRequest('x'));
    expect(status).toBe(200);
    expect(done).toBe(false);
    expect(events).toHaveLength(4);
    expect(events[3]).toEqual({ event_type: 'error', event_id: expect.any(String), error: { code: 'unavailable', message: expect.any(String) } });
    expect(emulator.interactions.requests[0]?.streamEnd).toBe('error');
  });

  it('cutAfter and endAfter: the stream stops short, broken or clean, and the record says which', async () => {
    emulator.enqueue({ kind: 'image', stream: { cutAfter: 2 } }, { kind: 'image', stream: { endAfter: 2 } });
    const cut = await stream(imageRequest('x'));
    expect([cut.events.length, cut.done, cut.broken]).toEqual([2, false, true]);
    const ended = await stream(imageRequest('y'));
    expect([ended.events.length, ended.done, ended.broken]).toEqual([2, false, false]);
    expect(emulator.interactions.requests.map((record) => record.streamEnd)).toEqual(['cut', 'ended']);
  });

  it('stalls where the test says until released, and records each event and byte sent', async () => {
    const stalled = stalledStream(1);
    emulator.enqueue(stalled.behaviour);
    const pending = stream(imageRequest('x'));
    await stalled.reached;
    const record = emulator.interactions.requests[0];
    expect(record?.response).toHaveLength(1);
    expect(record?.streamEnd).toBe('streaming');
    stalled.release();
    const streamed = await pending;
    expect(streamed.done).toBe(true);
    expect(record?.response).toEqual(streamed.events);
    expect([record?.streamEnd, record?.responseBytes]).toEqual(['complete', streamed.bytes]);
  });
});
