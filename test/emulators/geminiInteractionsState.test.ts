// What the emulator keeps between interactions, as Google does: stored
// interactions a request continues with previous_interaction_id (sending only
// what is new), their expiry on a clock the test moves, branching, DELETE and
// GET; the stateless way (store: false, the whole history as steps) with its
// thought signatures checked exactly; and the records a bot test inspects.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGeminiEmulator, type GeminiEmulator } from './gemini/index.js';
import {
  callInteractions,
  create,
  expectedError,
  imageBytes,
  imageRequest,
  outputContent,
  userInput,
  type Json,
} from './interactionsClient.js';

let emulator: GeminiEmulator;

beforeEach(async () => {
  emulator = await startGeminiEmulator();
});

afterEach(async () => {
  await emulator.close();
});

const HOUR = 60 * 60 * 1000;

async function interaction(input: unknown, extra: Json = {}): Promise<Json> {
  const { status, json } = await create(emulator, imageRequest(input, extra));
  expect(status).toBe(200);
  return json;
}

function promptOf(result: Json): string | undefined {
  const image = outputContent(result).find((item) => item.type === 'image');
  return image && emulator.imageInfo(imageBytes(image))?.prompt;
}

describe('a stored interaction', () => {
  it('is continued with previous_interaction_id: the request sends only the new input, the model sees it all', async () => {
    const first = await interaction('a banana on the moon');
    const second = await interaction('now add a cow', { previous_interaction_id: first.id });
    expect(second).toMatchObject({ status: 'completed', previous_interaction_id: first.id });
    expect(promptOf(second)).toBe('now add a cow');
    // The whole history is input again: the first answer's image counts.
    expect(second.usage.input_tokens_by_modality).toContainEqual({ modality: 'image', tokens: 560 });
    const stored = emulator.interactions.stored(second.id);
    expect(stored?.previousInteractionId).toBe(first.id);
    expect(stored?.history.map((step) => step.type)).toEqual(['user_input', 'thought', 'model_output', 'user_input', 'thought', 'model_output']);
    expect(stored?.steps).toEqual([{ type: 'user_input', content: [{ type: 'text', text: 'now add a cow' }] }, ...second.steps]);
  });

  it('is not kept with store: false, so nothing can continue from it', async () => {
    const unstored = await interaction('x', { store: false });
    expect(emulator.interactions.stored(unstored.id)).toBeUndefined();
    const { status, json } = await create(emulator, imageRequest('y', { previous_interaction_id: unstored.id }));
    expect(status).toBe(404);
    expect(json).toEqual({ error: { code: 'not_found', message: `Interaction ${unstored.id} not found.` } });
  });

  it('answers an unknown id with 404, or 400 when the test says so', async () => {
    expect((await create(emulator, imageRequest('y', { previous_interaction_id: 'v1_never' }))).status).toBe(404);
    emulator.interactions.setUnknownIdStatus(400);
    const { status, json } = await create(emulator, imageRequest('y', { previous_interaction_id: 'v1_never' }));
    expect(status).toBe(400);
    expect(json).toEqual(expectedError('invalid_argument'));
    expect(json.error.message).toMatch(/v1_never/);
    emulator.interactions.setUnknownIdStatus(404, 'generic');
    const generic = await create(emulator, imageRequest('y', { previous_interaction_id: 'v1_never' }));
    expect(generic.status).toBe(404);
    expect(generic.json).toEqual({ error: { code: 'not_found', message: 'Requested entity was not found.' } });
  });

  it('expires after the retention on the emulator clock, 24 hours by default, with no real waiting', async () => {
    const first = await interaction('x');
    emulator.interactions.advanceClock(23 * HOUR);
    const second = await interaction('y', { previous_interaction_id: first.id });
    emulator.interactions.advanceClock(HOUR);
    expect(emulator.interactions.stored(first.id)?.expired).toBe(true);
    expect(emulator.interactions.stored(second.id)?.expired).toBe(false);
    expect((await create(emulator, imageRequest('z', { previous_interaction_id: first.id }))).status).toBe(404);
    expect((await create(emulator, imageRequest('z', { previous_interaction_id: second.id }))).status).toBe(200);
  });

  it('expires at once when the test expires it, and lasts longer under a longer retention', async () => {
    emulator.interactions.setRetention(55 * 24 * HOUR);
    const kept = await interaction('x');
    const expired = await interaction('y');
    emulator.interactions.advanceClock(30 * 24 * HOUR);
    emulator.interactions.expire(expired.id);
    expect((await create(emulator, imageRequest('z', { previous_interaction_id: kept.id }))).status).toBe(200);
    expect((await create(emulator, imageRequest('z', { previous_interaction_id: expired.id }))).status).toBe(404);
    expect(() => emulator.interactions.expire('v1_never')).toThrow(/no stored interaction/);
  });

  it('can be continued again from an older id: a branch sees only its own line', async () => {
    const root = await interaction('a cat');
    const child = await interaction('make it blue', { previous_interaction_id: root.id });
    await interaction('now green', { previous_interaction_id: child.id });
    const branch = await interaction('make it red', { previous_interaction_id: root.id });
    expect(promptOf(branch)).toBe('make it red');
    const texts = emulator.interactions
      .stored(branch.id)
      ?.history.filter((step) => step.type === 'user_input')
      .flatMap((step) => (step.type === 'user_input' ? (step.content ?? []) : []))
      .map((item) => (item.type === 'text' ? item.text : ''));
    expect(texts).toEqual(['a cat', 'make it red']);
  });

  it('is returned by GET with its user_input first, and gone after DELETE', async () => {
    const first = await interaction('x');
    const got = await callInteractions(emulator, 'GET', `/${first.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id: first.id, status: 'completed' });
    expect(got.json.steps).toEqual([{ type: 'user_input', content: [{ type: 'text', text: 'x' }] }, ...first.steps]);

    const deleted = await callInteractions(emulator, 'DELETE', `/${first.id}`);
    expect([deleted.status, deleted.json]).toEqual([200, {}]);
    expect(emulator.interactions.storedIds()).toEqual([]);
    for (const method of ['GET', 'DELETE'] as const) {
      const after = await callInteractions(emulator, method, `/${first.id}`);
      expect([after.status, after.json]).toEqual([404, expectedError('not_found')]);
    }
    expect((await create(emulator, imageRequest('y', { previous_interaction_id: first.id }))).status).toBe(404);
    expect((await callInteractions(emulator, 'DELETE', `/${first.id}`, undefined, { key: 'wrong' })).status).toBe(400);
  });
});

describe('a stateless history (store: false, every step sent back)', () => {
  /** A first turn and the history to replay: its input, the model's steps, and a new input. */
  async function replayable(extra: Json = {}): Promise<Json[]> {
    const first = await interaction([userInput('a banana on the moon')], { store: false, ...extra });
    return [userInput('a banana on the moon'), ...(first.steps as Json[]), userInput('now add a cow')];
  }

  async function replay(history: Json[]): Promise<{ status: number; json: Json }> {
    return create(emulator, imageRequest(history, { store: false }));
  }

  it('continues when the steps come back exactly as received, in any key order', async () => {
    const history = await replayable();
    const reordered = JSON.parse(JSON.stringify(history), (_key, value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value,
    ) as Json[];
    for (const input of [history, reordered]) {
      const { status, json } = await replay(input);
      expect(status).toBe(200);
      expect(promptOf(json)).toBe('now add a cow');
    }
  });

  it('is refused when one character of the image changes', async () => {
    const history = await replayable();
    const image = (history[2]?.content as Json[]).find((item) => item.type === 'image') as Json;
    const middle = Math.floor(image.data.length / 2);
    image.data = image.data.slice(0, middle) + (image.data[middle] === 'A' ? 'B' : 'A') + image.data.slice(middle + 1);
    const { status, json } = await replay(history);
    expect(status).toBe(400);
    expect(json).toEqual({ error: { code: 'invalid_argument', message: 'Corrupted thought signature.' } });
  });

  it('is refused when the text, the thought summary or the order of steps changes', async () => {
    const editedText = await replayable();
    editedText[2]!.content[0].text += '!';
    const editedSummary = await replayable();
    editedSummary[1]!.summary[0].text += '!';
    const swapped = await replayable();
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    for (const history of [editedText, editedSummary, swapped]) {
      expect((await replay(history)).json.error?.message).toBe('Corrupted thought signature.');
    }
  });

  it('is refused when the signature is missing, made up or taken from another turn', async () => {
    const missing = await replayable();
    delete missing[1]!.signature;
    expect((await replay(missing)).json.error.message).toBe('Thought step input[1] is missing a signature.');
    const noThought = (await replayable()).filter((step) => step.type !== 'thought');
    expect((await replay(noThought)).json.error.message).toMatch(/has no thought step: its thought signature is missing/);
    const madeUp = await replayable();
    madeUp[1]!.signature = Buffer.from('not a signature at all').toString('base64');
    expect((await replay(madeUp)).json.error.message).toBe('Corrupted thought signature.');
    const [other, mine] = [await replayable(), await replayable()];
    mine[1]!.signature = other[1]!.signature;
    expect((await replay(mine)).json.error.message).toBe('Corrupted thought signature.');
  });

  it('keeps a grounded turn verifiable, search signatures included', async () => {
    const grounded = await replayable({ tools: [{ type: 'google_search' }] });
    expect((await create(emulator, imageRequest(grounded, { store: false, tools: [{ type: 'google_search' }] }))).status).toBe(200);
    delete grounded[3]!.signature; // the google_search_result step's
    expect((await replay(grounded)).json.error.message).toBe('Corrupted thought signature.');
  });

  it('decodes what it is sent back: a turn whose image arrived broken is refused', async () => {
    emulator.enqueue({ kind: 'image', damage: ['magic'] });
    const history = await replayable();
    expect((await replay(history)).json.error.message).toMatch(/^Unable to process input image/);
  });
});

describe('records', () => {
  it('keep every call with its bytes, status, response and the interaction it made', async () => {
    const body = imageRequest('x');
    const first = await interaction('x');
    await create(emulator, { ...body, unknown: 1 });
    await callInteractions(emulator, 'GET', `/${first.id}`);
    await callInteractions(emulator, 'DELETE', `/${first.id}`);
    const [made, rejected, got, deleted] = emulator.interactions.requests;
    expect(made).toMatchObject({ method: 'POST', interactionId: first.id, status: 200, body, bytes: Buffer.byteLength(JSON.stringify(body)), deprecated: [] });
    expect(made?.response).toEqual(first);
    expect(made?.responseBytes).toBe(Buffer.byteLength(JSON.stringify(first)));
    expect(made?.headers['x-goog-api-key']).toBe(emulator.apiKey);
    expect(rejected).toMatchObject({ method: 'POST', status: 400, response: expectedError('invalid_argument') });
    expect(rejected?.interactionId).toBeUndefined();
    expect(got).toMatchObject({ method: 'GET', interactionId: first.id, status: 200, bytes: 0 });
    expect(deleted).toMatchObject({ method: 'DELETE', interactionId: first.id, status: 200, response: {} });
    expect(emulator.requests).toEqual([]); // generateContent's records are separate
  });

  it('show why the bot wants this API: a continuation sends a tiny fraction of a stateless replay', async () => {
    emulator.enqueue({ kind: 'image', imageBytes: 500_000 }, { kind: 'image', imageBytes: 500_000 });
    const first = await interaction([userInput('a banana on the moon')]);
    const history = [userInput('a banana on the moon'), ...(first.steps as Json[]), userInput('now add a cow')];
    expect((await create(emulator, imageRequest(history, { store: false }))).status).toBe(200);
    expect((await create(emulator, imageRequest([userInput('now add a cow')], { previous_interaction_id: first.id }))).status).toBe(200);
    const [, stateless, continued] = emulator.interactions.requests;
    expect(stateless!.bytes).toBeGreaterThan(500_000);
    expect(continued!.bytes / stateless!.bytes).toBeLessThan(0.01);
  });
});
