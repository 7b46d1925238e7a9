// The emulator's Interactions API (POST /v1beta/interactions) must be as
// strict as Google's, or a bot proven against it proves nothing. These tests
// pin down what a new interaction answers, what it rejects and with which
// error, and how each scripted behaviour looks. Stored state, stateless
// replay and records: geminiInteractionsState.test.ts.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { heldAnswer, startGeminiEmulator, type GeminiEmulator } from './gemini/index.js';
import { readJpegSegments } from './gemini/jpeg.js';
import {
  callInteractions,
  create,
  expectedError,
  IMAGE_FORMAT,
  imageBytes,
  imageRequest,
  outputContent,
  PNG_1x1,
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

async function rejection(body: unknown, status = 400, code = 'invalid_argument'): Promise<string> {
  const result = await create(emulator, body);
  expect(result.status).toBe(status);
  expect(result.json).toEqual(expectedError(code));
  return result.json.error.message as string;
}

describe('a new interaction', () => {
  it('answers a signed thought, then the text and a decodable JPEG, and no echo of the input', async () => {
    const { status, json, contentType } = await create(emulator, imageRequest('a banana on the moon'));
    expect(status).toBe(200);
    expect(contentType).toMatch(/^application\/json/);
    expect(json).toMatchObject({ id: expect.stringMatching(/^v1_[\w-]{20,}$/), status: 'completed', model: 'gemini-3-pro-image' });
    expect(Date.parse(json.created)).not.toBeNaN();
    const [thought, output, ...rest] = json.steps as Json[];
    expect(rest).toEqual([]);
    expect(thought).toEqual({ type: 'thought', signature: expect.any(String), summary: [{ type: 'text', text: expect.stringContaining('a banana on the moon') }] });
    expect(output?.type).toBe('model_output');
    const [text, image] = output?.content as Json[];
    expect(text).toEqual({ type: 'text', text: expect.any(String) });
    expect(image).toEqual({ type: 'image', mime_type: 'image/jpeg', data: expect.any(String) });
    const jpeg = imageBytes(image as Json);
    expect(readJpegSegments(jpeg).at(-1)?.marker).toBe(0xd9);
    expect(emulator.imageInfo(jpeg)).toEqual({ serial: 1, prompt: 'a banana on the moon' });

    const usage = json.usage;
    expect(usage).toMatchObject({
      total_output_tokens: 1120 + Math.ceil(text?.text.length / 4),
      total_thought_tokens: expect.any(Number),
      total_cached_tokens: 0,
      input_tokens_by_modality: [{ modality: 'text', tokens: expect.any(Number) }],
    });
    expect(usage.total_tokens).toBe(usage.total_input_tokens + usage.total_output_tokens + usage.total_thought_tokens);
  });

  it('draws only what response_format asks for: the image alone, or words alone when no image is asked', async () => {
    const alone = await create(emulator, { model: 'gemini-3-pro-image', input: 'x', response_format: { type: 'image', image_size: '4K' } });
    expect(outputContent(alone.json).map((item) => item.type)).toEqual(['image']);
    expect(alone.json.usage.total_output_tokens).toBe(2000);
    for (const body of [{ model: 'gemini-3-pro-image', input: 'x' }, { model: 'gemini-3-pro-image', input: 'x', response_format: { type: 'text' } }]) {
      const words = await create(emulator, body);
      expect(outputContent(words.json)).toEqual([{ type: 'text', text: expect.any(String) }]);
    }
  });

  it('takes its input in all four shapes', async () => {
    const image = { type: 'image', mime_type: 'image/png', data: PNG_1x1 };
    const inputs = ['a cat', { type: 'text', text: 'a cat' }, [{ type: 'text', text: 'a cat' }, image], [userInput('a cat', image)]];
    for (const input of inputs) {
      const { status, json } = await create(emulator, imageRequest(input));
      expect(status).toBe(200);
      expect(emulator.imageInfo(imageBytes(outputContent(json).at(-1) as Json))?.prompt).toBe('a cat');
    }
    expect(emulator.interactions.requests.at(-1)?.body).toEqual(imageRequest(inputs.at(-1)));
  });

  it('grounds with Google Search: a call and a result step before an answer that cites', async () => {
    const { json } = await create(emulator, imageRequest('weather in Tokyo', { tools: [{ type: 'google_search' }] }));
    expect((json.steps as Json[]).map((step) => step.type)).toEqual(['thought', 'google_search_call', 'google_search_result', 'model_output']);
    const [, call, result] = json.steps as Json[];
    expect(call).toMatchObject({ id: expect.any(String), arguments: { queries: ['weather in Tokyo'] }, signature: expect.any(String) });
    expect(result).toMatchObject({ call_id: call?.id, result: [{ search_suggestions: expect.any(String) }], signature: expect.any(String) });
    expect(outputContent(json)[0]?.annotations).toEqual([
      expect.objectContaining({ type: 'url_citation', url: expect.any(String) }),
      expect.objectContaining({ type: 'url_citation', url: expect.any(String) }),
    ]);
    expect(json.usage.grounding_tool_count).toEqual([{ type: 'google_search', count: 1 }]);
  });

  it('leaves the thought summary out when thinking_summaries is none', async () => {
    const { json } = await create(emulator, imageRequest('x', { generation_config: { thinking_summaries: 'none' } }));
    expect(json.steps[0]).toEqual({ type: 'thought', signature: expect.any(String) });
  });
});

describe('request validation', () => {
  it('rejects fields the API does not know, camelCase included, with their place', async () => {
    expect(await rejection({ ...imageRequest('x'), temperature_x: 1 })).toBe('Invalid JSON payload received. Unknown name "temperature_x": Cannot find field.');
    expect(await rejection({ ...imageRequest('x'), previousInteractionId: 'v1_x' })).toMatch(/Unknown name "previousInteractionId"/);
    expect(await rejection(imageRequest([userInput('x', { type: 'image', mimeType: 'image/png', data: PNG_1x1 })]))).toBe(
      `Invalid JSON payload received. Unknown name "mimeType" at 'input[0].content[1]': Cannot find field.`,
    );
    expect(await rejection(imageRequest('x', { response_format: { ...IMAGE_FORMAT, aspect: '1:1' } }))).toMatch(/Unknown name "aspect" at 'response_format'/);
    expect(await rejection(imageRequest('x', { generation_config: { thinkingLevel: 'high' } }))).toMatch(/Unknown name "thinkingLevel" at 'generation_config'/);
  });

  it('rejects wrong types and unknown step, content, tool and enum values', async () => {
    expect(await rejection(imageRequest('x', { store: 'yes' }))).toBe(`Invalid value at 'store' (boolean), "yes"`);
    expect(await rejection(imageRequest([{ type: 'assistant_output', content: [] }]))).toMatch(/^Invalid value at 'input\[0\]\.type', "assistant_output": expected one of/);
    expect(await rejection(imageRequest([{ type: 'audio', data: 'AAAA' }]))).toMatch(/^Invalid value at 'input\[0\]\.type', "audio"/);
    expect(await rejection(imageRequest('x', { tools: [{ type: 'google_search_retrieval' }] }))).toMatch(/'tools\[0\]\.type'/);
    expect(await rejection(imageRequest('x', { generation_config: { thinking_level: 'max' } }))).toMatch(/^Invalid value at 'generation_config\.thinking_level', "max"/);
    expect(await rejection({ input: 'x' })).toBe(`Invalid JSON payload received. Required field 'model' is missing.`);
    expect(await rejection('{"model": ')).toMatch(/^Invalid JSON payload received/);
  });

  it('refuses what the emulator does not emulate, saying so', async () => {
    expect(await rejection(imageRequest('x', { background: true }))).toMatch(/does not emulate "background"/);
    expect(await rejection(imageRequest('x', { webhook_config: { uris: ['https://example.com'] } }))).toMatch(/does not emulate "webhook_config"/);
    expect(await rejection(imageRequest('x', { response_format: { ...IMAGE_FORMAT, delivery: 'uri' } }))).toMatch(/inline only/);
  });

  it('rejects malformed input', async () => {
    expect(await rejection(imageRequest(''))).toBe('input must not be empty.');
    expect(await rejection(imageRequest([]))).toBe('input must not be empty.');
    expect(await rejection({ model: 'gemini-3-pro-image' })).toBe('input is required.');
    expect(await rejection(imageRequest([userInput('a'), { type: 'text', text: 'b' }]))).toMatch(/either a list of steps or a list of contents/);
    expect(await rejection(imageRequest([userInput('a'), { type: 'model_output', content: [{ type: 'text', text: 'b' }] }]))).toMatch(/must end with a user_input step/);
    expect(await rejection(imageRequest([{ type: 'user_input', content: [] }]))).toBe('input[0].content must not be empty.');
  });

  it("checks image options against the model's own range", async () => {
    const flash = (format: Json): Json => ({ ...imageRequest('x', { response_format: format }), model: 'gemini-3.1-flash-image' });
    expect(await rejection(imageRequest('x', { response_format: { type: 'image', aspect_ratio: '7:5' } }))).toMatch(/^Unsupported aspect ratio at 'response_format.aspect_ratio': "7:5"/);
    expect(await rejection(imageRequest('x', { response_format: { type: 'image', image_size: '2k' } }))).toMatch(/^Unsupported image size/);
    expect(await rejection(imageRequest('x', { response_format: { type: 'image', aspect_ratio: '1:8' } }))).toMatch(/^Unsupported aspect ratio/);
    expect(await rejection(imageRequest('x', { response_format: { type: 'image', image_size: '512' } }))).toMatch(/^Unsupported image size/);
    expect((await create(emulator, flash({ type: 'image', aspect_ratio: '1:8', image_size: '512' }))).status).toBe(200);
    expect(await rejection(imageRequest('x', { response_format: { type: 'image', mime_type: 'image/png' } }))).toMatch(/^Unsupported image mime_type/);
    expect(await rejection(imageRequest('x', { response_format: [IMAGE_FORMAT, IMAGE_FORMAT] }))).toMatch(/at most one entry of type "image"/);
  });

  it('rejects images that are not what they claim, and more than 14', async () => {
    const withImage = (image: Json): Json => imageRequest([userInput('edit', { type: 'image', ...image })]);
    expect(await rejection(withImage({ mime_type: 'image/gif', data: PNG_1x1 }))).toBe('Unsupported MIME type: image/gif');
    expect(await rejection(withImage({ mime_type: 'image/jpeg', data: PNG_1x1 }))).toMatch(/^Unable to process input image/);
    expect(await rejection(withImage({ mime_type: 'image/png', data: 'not base64!' }))).toMatch(/Base64 decoding failed/);
    expect(await rejection(withImage({ mime_type: 'image/png' }))).toMatch(/needs data or uri/);
    expect(await rejection(withImage({ uri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' }), 403, 'permission_denied')).toMatch(/permission to access the File/);
    const images = (count: number): Json[] => Array.from({ length: count }, () => ({ type: 'image', mime_type: 'image/png', data: PNG_1x1 }));
    expect((await create(emulator, imageRequest([userInput('mix', ...images(14))]))).status).toBe(200);
    expect(await rejection(imageRequest([userInput('mix', ...images(15))]))).toMatch(/at most 14/);
  });

  it('honours the deprecated image_config and response_modalities, and records that they were used', async () => {
    const legacy = await create(emulator, { model: 'gemini-3-pro-image', input: 'x', generation_config: { image_config: { image_size: '4K' } } });
    expect(legacy.status).toBe(200);
    expect(outputContent(legacy.json).map((item) => item.type)).toEqual(['text', 'image']);
    expect(legacy.json.usage.total_output_tokens).toBeGreaterThanOrEqual(2000);
    const modalities = await create(emulator, { model: 'gemini-3-pro-image', input: 'x', response_modalities: ['image'] });
    expect(outputContent(modalities.json).map((item) => item.type)).toEqual(['image']);
    expect(emulator.interactions.requests.map((request) => request.deprecated)).toEqual([['generation_config.image_config'], ['response_modalities']]);
    expect(await rejection(imageRequest('x', { generation_config: { image_config: { aspect_ratio: '1:1' } } }))).toMatch(/image_config is deprecated/);
    expect(await rejection({ model: 'gemini-3-pro-image', input: 'x', response_modalities: ['audio'] })).toMatch(/response modalities: audio/);
  });

  it('refuses a body over 100 MB', async () => {
    const huge = `{"model":"gemini-3-pro-image","input":"${'a'.repeat(100 * 1024 * 1024)}"}`;
    expect(await rejection(huge)).toBe('Request payload size exceeds the limit: 104857600 bytes.');
  });
});

describe('authentication and routing', () => {
  it('answers a missing, wrong or query-string key in the Interactions error shape', async () => {
    const missing = await create(emulator, imageRequest('x'), { key: null });
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual(expectedError('permission_denied'));
    const wrong = await create(emulator, imageRequest('x'), { key: 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toBe('API key not valid. Please pass a valid API key.');
    const query = await create(emulator, imageRequest('x'), { query: `?key=${emulator.apiKey}` });
    expect(query.status).toBe(400);
    expect(query.json.error.message).toMatch(/x-goog-api-key/);
  });

  it('answers 404 for a model it does not serve', async () => {
    const { status, json } = await create(emulator, { ...imageRequest('x'), model: 'gemini-2.5-flash-image' });
    expect(status).toBe(404);
    expect(json).toEqual(expectedError('not_found'));
  });

  it('serves POST on the collection and GET and DELETE on one interaction, nothing else', async () => {
    for (const [method, path] of [['GET', ''], ['DELETE', ''], ['POST', '/v1_abc'], ['PUT', '/v1_abc']] as const) {
      const { status, json } = await callInteractions(emulator, method, path, method === 'POST' ? imageRequest('x') : undefined);
      expect(status).toBe(404);
      expect(json).toEqual({ error: { code: 'not_found', message: 'Method not found.' } });
    }
  });
});

describe('scripted behaviours', () => {
  it('come from the shared queue, and interactions.enqueue goes first', async () => {
    emulator.enqueue({ kind: 'text-only', text: 'shared' });
    emulator.interactions.enqueue({ kind: 'text-only', text: 'interactions only' });
    expect(outputContent((await create(emulator, imageRequest('a'))).json)).toEqual([{ type: 'text', text: 'interactions only' }]);
    expect(outputContent((await create(emulator, imageRequest('b'))).json)).toEqual([{ type: 'text', text: 'shared' }]);
    expect(outputContent((await create(emulator, imageRequest('c'))).json).map((item) => item.type)).toEqual(['text', 'image']);
  });

  it('image: several padded images, and interim sketches in the thought summary', async () => {
    emulator.enqueue({ kind: 'image', text: 'Two of them', images: 2, imageBytes: 200_000, thoughtImages: 2 });
    const { json } = await create(emulator, imageRequest('twins'));
    const summary = json.steps[0].summary as Json[];
    expect(summary.map((item) => item.type)).toEqual(['text', 'image', 'image']);
    expect(emulator.imageInfo(imageBytes(summary[1] as Json))).toEqual({ serial: 1, prompt: 'twins', interim: true, draft: 1 });
    expect(emulator.imageInfo(imageBytes(summary[2] as Json))).toEqual({ serial: 1, prompt: 'twins', interim: true, draft: 2 });
    const finals = outputContent(json).filter((item) => item.type === 'image').map(imageBytes);
    expect(finals.map((jpeg) => emulator.imageInfo(jpeg)?.serial)).toEqual([1, 2]);
    for (const jpeg of finals) expect(Math.abs(jpeg.length - 200_000)).toBeLessThan(8);
  });

  it('a safety stop is 200 with only text by default, or status failed with no steps', async () => {
    emulator.enqueue({ kind: 'prompt-blocked', reason: 'PROHIBITED_CONTENT' }, { kind: 'finish', reason: 'IMAGE_SAFETY' });
    for (const prompt of ['a', 'b']) {
      const { status, json } = await create(emulator, imageRequest(prompt));
      expect(status).toBe(200);
      expect(json.status).toBe('completed');
      expect((json.steps as Json[]).map((step) => step.type)).toEqual(['thought', 'model_output']);
      expect(outputContent(json)).toEqual([{ type: 'text', text: expect.any(String) }]);
    }
    emulator.interactions.setSafetyStyle('failed');
    emulator.enqueue({ kind: 'finish', reason: 'IMAGE_SAFETY' });
    const failed = await create(emulator, imageRequest('c'));
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({ status: 'failed', steps: [] });
  });

  it('finish: MAX_TOKENS is incomplete, NO_IMAGE is the model\'s text; no-candidates is an empty completion', async () => {
    emulator.enqueue({ kind: 'finish', reason: 'MAX_TOKENS' }, { kind: 'finish', reason: 'NO_IMAGE', text: 'I could not draw that.' }, { kind: 'no-candidates' });
    expect((await create(emulator, imageRequest('a'))).json).toMatchObject({ status: 'incomplete', steps: [{ type: 'thought' }] });
    const noImage = await create(emulator, imageRequest('b'));
    expect(noImage.json.status).toBe('completed');
    expect(outputContent(noImage.json)).toEqual([{ type: 'text', text: 'I could not draw that.' }]);
    expect((await create(emulator, imageRequest('c'))).json).toMatchObject({ status: 'completed', steps: [] });
  });

  it('status and step-error: any status, and a model_output that carries an error', async () => {
    emulator.interactions.enqueue(
      { kind: 'status', status: 'incomplete', text: 'cut short' },
      { kind: 'status', status: 'some_future_status' },
      { kind: 'step-error', code: 13, message: 'internal' },
    );
    const incomplete = await create(emulator, imageRequest('a'));
    expect(incomplete.json.status).toBe('incomplete');
    expect(outputContent(incomplete.json)).toEqual([{ type: 'text', text: 'cut short' }]);
    expect((await create(emulator, imageRequest('b'))).json).toMatchObject({ status: 'some_future_status', steps: [] });
    const stepError = await create(emulator, imageRequest('c'));
    expect(stepError.json.status).toBe('failed');
    expect(stepError.json.steps[1]).toEqual({ type: 'model_output', error: { code: 13, message: 'internal' } });
  });

  it('error: HTTP errors with a string code; a 429 keeps RetryInfo', async () => {
    emulator.enqueue({ kind: 'error', status: 429, retryDelay: '17s' }, { kind: 'error', status: 503, message: 'busy' }, { kind: 'error', status: 500 });
    const limited = await create(emulator, imageRequest('a'));
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual(expectedError('resource_exhausted'));
    expect(limited.json.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '17s' });
    const busy = await create(emulator, imageRequest('b'));
    expect([busy.status, busy.json.error]).toEqual([503, { code: 'unavailable', message: 'busy' }]);
    expect((await create(emulator, imageRequest('c'))).json).toEqual(expectedError('internal'));
  });

  it('are kept for valid requests: a rejected request does not consume one', async () => {
    emulator.enqueue({ kind: 'text-only', text: 'kept' });
    await create(emulator, imageRequest('a'), { key: 'wrong' });
    await create(emulator, { ...imageRequest('a'), unknown: 1 });
    expect(outputContent((await create(emulator, imageRequest('b'))).json)).toEqual([{ type: 'text', text: 'kept' }]);
  });

  it('held answers once released; reset drops the connection; raw sends what it is given', async () => {
    const held = heldAnswer({ kind: 'text-only', text: 'released' });
    emulator.enqueue(held.behaviour, { kind: 'reset' }, { kind: 'raw', status: 502, body: '<html>Bad Gateway</html>' });
    const first = create(emulator, imageRequest('a'));
    await expect.poll(() => emulator.interactions.requests[0]?.body, { timeout: 10_000 }).toBeDefined();
    await expect(create(emulator, imageRequest('b'))).rejects.toThrow();
    const raw = await callInteractions(emulator, 'POST', '', imageRequest('c')).catch((error: unknown) => error);
    expect(raw).toBeInstanceOf(SyntaxError); // not JSON: the client must cope
    expect(emulator.interactions.requests.map((request) => request.status)).toEqual([0, 0, 502]);
    held.release();
    expect(outputContent((await first).json)).toEqual([{ type: 'text', text: 'released' }]);
  });
});
