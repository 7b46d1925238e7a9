// The Gemini emulator must be as strict as the real API, or the bot's tests
// prove nothing. These tests pin down what it accepts, what it rejects and
// with which error, and that thought signatures behave like Google's.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toSnakeCaseKeys } from './gemini/caseStyle.js';
import { heldAnswer, startGeminiEmulator, type GeminiEmulator } from './gemini/index.js';
import { readJpegSegments } from './gemini/jpeg.js';

type Json = Record<string, any>;

let emulator: GeminiEmulator;

beforeEach(async () => {
  emulator = await startGeminiEmulator();
});

afterEach(async () => {
  await emulator.close();
});

interface PostOptions {
  model?: string;
  key?: string | null;
  query?: string;
  signal?: AbortSignal;
}

async function post(body: unknown, options: PostOptions = {}): Promise<{ status: number; json: Json }> {
  const model = options.model ?? 'gemini-3-pro-image';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = options.key === undefined ? emulator.apiKey : options.key;
  if (key !== null) headers['x-goog-api-key'] = key;
  const response = await fetch(`${emulator.url}/models/${model}:generateContent${options.query ?? ''}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: options.signal,
  });
  return { status: response.status, json: (await response.json()) as Json };
}

/** As the bot asks with previews on: thoughts (summaries and drafts) come only when asked for. */
const IMAGE_CONFIG = { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9', imageSize: '2K' }, thinkingConfig: { includeThoughts: true } };

function user(text: string, ...parts: Json[]): Json {
  return { role: 'user', parts: [{ text }, ...parts] };
}

function imageRequest(...contents: Json[]): Json {
  return { contents, generationConfig: IMAGE_CONFIG };
}

function imageBytes(part: Json): Buffer {
  return Buffer.from((part.inlineData ?? part.inline_data).data, 'base64');
}

/** A first turn and the model's answer, ready to be replayed. */
async function firstTurn(): Promise<{ userTurn: Json; modelTurn: Json }> {
  const userTurn = user('a banana on the moon');
  const { status, json } = await post(imageRequest(userTurn));
  expect(status).toBe(200);
  return { userTurn, modelTurn: json.candidates[0].content };
}

function expectGoogleError(result: { status: number; json: Json }, code: number, status: string): Json {
  expect(result.status).toBe(code);
  expect(result.json).toEqual({ error: expect.objectContaining({ code, status, message: expect.any(String) }) });
  return result.json.error;
}

const PNG_1x1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('a generated image', () => {
  it('comes back as a signed, decodable JPEG after the thoughts', async () => {
    const { status, json } = await post(imageRequest(user('a banana on the moon')));
    expect(status).toBe(200);
    const candidate = json.candidates[0];
    expect(candidate).toMatchObject({ finishReason: 'STOP', index: 0, content: { role: 'model' } });
    const [thought, text, image, ...rest] = candidate.content.parts as Json[];
    expect(rest).toEqual([]);
    expect(thought).toMatchObject({ thought: true, text: expect.any(String) });
    expect(thought?.thoughtSignature).toBeUndefined();
    expect(text).toMatchObject({ text: expect.any(String), thoughtSignature: expect.any(String) });
    expect(image).toMatchObject({ inlineData: { mimeType: 'image/jpeg' }, thoughtSignature: expect.any(String) });

    const jpeg = imageBytes(image as Json);
    const markers = readJpegSegments(jpeg).map((segment) => segment.marker);
    expect(markers[0]).toBe(0xe0); // JFIF APP0 stays first
    expect(markers).toEqual(expect.arrayContaining([0xdb, 0xc0, 0xc4, 0xda, 0xfe]));
    expect(markers.at(-1)).toBe(0xd9);
    expect(emulator.imageInfo(jpeg)).toEqual({ serial: 1, prompt: 'a banana on the moon' });

    expect(json.usageMetadata).toMatchObject({
      candidatesTokenCount: 1120 + Math.ceil(text?.text.length / 4),
      thoughtsTokenCount: expect.any(Number),
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: expect.any(Number) }],
    });
    const usage = json.usageMetadata;
    expect(usage.totalTokenCount).toBe(usage.promptTokenCount + usage.candidatesTokenCount + usage.thoughtsTokenCount);
    expect(json.modelVersion).toBe('gemini-3-pro-image');
    expect(json.responseId).toEqual(expect.any(String));
  });

  it('costs 2000 tokens at 4K', async () => {
    const { json } = await post({
      contents: [user('big')],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { imageSize: '4K' } },
    });
    expect(json.usageMetadata.candidatesTokenCount).toBe(2000);
    // IMAGE only: no answer text, so the image itself carries the first signature.
    const answer = (json.candidates[0].content.parts as Json[]).filter((part) => !part.thought);
    expect(answer).toEqual([{ inlineData: expect.any(Object), thoughtSignature: expect.any(String) }]);
  });

  it('is text only when responseModalities asks for no IMAGE', async () => {
    for (const generationConfig of [{ responseModalities: ['TEXT'] }, undefined]) {
      const { json } = await post({ contents: [user('a cat')], generationConfig });
      const parts = json.candidates[0].content.parts as Json[];
      expect(parts.some((part) => part.inlineData)).toBe(false);
      expect(parts.at(-1)).toMatchObject({ text: expect.any(String), thoughtSignature: expect.any(String) });
    }
  });

  it('gets a new serial each time, and imageInfo ignores foreign images', async () => {
    await post(imageRequest(user('one')));
    const { json } = await post(imageRequest(user('two')));
    expect(emulator.imageInfo(imageBytes(json.candidates[0].content.parts[2]))).toEqual({ serial: 2, prompt: 'two' });
    expect(emulator.imageInfo(Buffer.from(PNG_1x1, 'base64'))).toBeUndefined();
    expect(emulator.imageInfo(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it('adds grounding metadata when Google Search is on', async () => {
    const { json } = await post({ ...imageRequest(user('weather in Tokyo')), tools: [{ google_search: {} }] });
    expect(json.candidates[0].groundingMetadata).toMatchObject({ webSearchQueries: ['weather in Tokyo'] });
  });
});

describe('thought signatures', () => {
  it('let an exact replay of the model turn continue the conversation', async () => {
    const { userTurn, modelTurn } = await firstTurn();
    const second = await post(imageRequest(userTurn, modelTurn, user('now add a cow')));
    expect(second.status).toBe(200);
    expect(emulator.imageInfo(imageBytes(second.json.candidates[0].content.parts[2]))).toEqual({
      serial: 2,
      prompt: 'now add a cow',
    });
  });

  it('must be on every image part', async () => {
    const { userTurn, modelTurn } = await firstTurn();
    delete modelTurn.parts[2].thoughtSignature;
    const error = expectGoogleError(await post(imageRequest(userTurn, modelTurn, user('again'))), 400, 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/^Image part is missing a thought_signature in content position 2, part position 3\./);
  });

  it('must be on the first part after the thoughts', async () => {
    const { userTurn, modelTurn } = await firstTurn();
    delete modelTurn.parts[1].thoughtSignature;
    const error = expectGoogleError(await post(imageRequest(userTurn, modelTurn, user('again'))), 400, 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/^Text part is missing a thought_signature in content position 2, part position 2\./);
  });

  it('break when one character of the image data changes', async () => {
    const { userTurn, modelTurn } = await firstTurn();
    const data: string = modelTurn.parts[2].inlineData.data;
    const middle = Math.floor(data.length / 2);
    modelTurn.parts[2].inlineData.data = data.slice(0, middle) + (data[middle] === 'A' ? 'B' : 'A') + data.slice(middle + 1);
    const error = expectGoogleError(await post(imageRequest(userTurn, modelTurn, user('again'))), 400, 'INVALID_ARGUMENT');
    expect(error.message).toBe('Corrupted thought signature.');
    expect(error.details[0].fieldViolations[0].field).toBe('contents[1].parts[2].thought_signature');
  });

  it('break when the signed text changes', async () => {
    const { userTurn, modelTurn } = await firstTurn();
    modelTurn.parts[1].text += '!';
    const error = expectGoogleError(await post(imageRequest(userTurn, modelTurn, user('again'))), 400, 'INVALID_ARGUMENT');
    expect(error.message).toBe('Corrupted thought signature.');
  });

  it('break when moved to another part or when the mimeType changes', async () => {
    const { userTurn, modelTurn } = await firstTurn();
    const swapped = structuredClone(modelTurn);
    [swapped.parts[1].thoughtSignature, swapped.parts[2].thoughtSignature] = [
      modelTurn.parts[2].thoughtSignature,
      modelTurn.parts[1].thoughtSignature,
    ];
    expect((await post(imageRequest(userTurn, swapped, user('again')))).status).toBe(400);
    modelTurn.parts[2].inlineData.mimeType = 'image/png';
    expect((await post(imageRequest(userTurn, modelTurn, user('again')))).status).toBe(400);
  });

  it('bind the whole answer: an edited thought, a dropped sketch or an added part is refused', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 1 });
    const { userTurn, modelTurn } = await firstTurn();
    const edits: Array<(parts: Json[]) => void> = [
      (parts) => ((parts[0] as Json).text += '!'),
      (parts) => parts.splice(1, 1),
      (parts) => parts.push({ text: 'and more' }),
    ];
    for (const edit of edits) {
      const edited = structuredClone(modelTurn);
      edit(edited.parts);
      const error = expectGoogleError(await post(imageRequest(userTurn, edited, user('again'))), 400, 'INVALID_ARGUMENT');
      expect(error.message).toBe('Corrupted thought signature.');
    }
    expect((await post(imageRequest(userTurn, modelTurn, user('again')))).status).toBe(200);
  });

  it('verify when a camelCase answer is replayed in snake_case', async () => {
    const { userTurn, modelTurn } = await firstTurn();
    const snakeRequest = toSnakeCaseKeys(imageRequest(userTurn, modelTurn, user('again'))) as Json;
    expect(snakeRequest.contents[1].parts[2]).toHaveProperty('inline_data.mime_type', 'image/jpeg');
    expect(snakeRequest.contents[1].parts[2]).toHaveProperty('thought_signature');
    expect((await post(snakeRequest)).status).toBe(200);
  });

  it('verify when a snake_case answer is replayed as received', async () => {
    emulator.setCaseStyle('snake');
    const userTurn = user('a banana on the moon');
    const { json } = await post(imageRequest(userTurn));
    expect(json).toHaveProperty('usage_metadata.candidates_token_count');
    const modelTurn = json.candidates[0].content;
    expect(modelTurn.parts[2]).toMatchObject({ inline_data: { mime_type: 'image/jpeg' }, thought_signature: expect.any(String) });
    expect(json.candidates[0].finish_reason).toBe('STOP');
    expect((await post(imageRequest(userTurn, modelTurn, user('again')))).status).toBe(200);
  });

  it('are not required on interim thought images', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 2 });
    const { userTurn, modelTurn } = await firstTurn();
    const thoughtImages = (modelTurn.parts as Json[]).filter((part) => part.thought && part.inlineData);
    expect(thoughtImages).toHaveLength(2);
    expect(thoughtImages.every((part) => part.thoughtSignature === undefined)).toBe(true);
    expect((await post(imageRequest(userTurn, modelTurn, user('again')))).status).toBe(200);
  });

  it('made up by the client are rejected', async () => {
    const modelTurn = { role: 'model', parts: [{ text: 'Sure!', thoughtSignature: 'c2tpcF90aG91Z2h0X3NpZ25hdHVyZV92YWxpZGF0b3I=' }] };
    const result = await post(imageRequest(user('hi'), modelTurn, user('draw')));
    expect(expectGoogleError(result, 400, 'INVALID_ARGUMENT').message).toBe('Corrupted thought signature.');
  });
});

describe('authentication and routing', () => {
  it('refuses a request without a key with 403 PERMISSION_DENIED', async () => {
    expectGoogleError(await post(imageRequest(user('x')), { key: null }), 403, 'PERMISSION_DENIED');
  });

  it('refuses a wrong key with 400 API_KEY_INVALID', async () => {
    const error = expectGoogleError(await post(imageRequest(user('x')), { key: 'nope' }), 400, 'INVALID_ARGUMENT');
    expect(error.message).toBe('API key not valid. Please pass a valid API key.');
    expect(error.details).toContainEqual(expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }));
  });

  it('refuses a key in the query string even next to a good header', async () => {
    const result = await post(imageRequest(user('x')), { query: `?key=${emulator.apiKey}` });
    expect(expectGoogleError(result, 400, 'INVALID_ARGUMENT').message).toMatch(/x-goog-api-key/);
  });

  it('answers 404 for a model it does not serve', async () => {
    const error = expectGoogleError(await post(imageRequest(user('x')), { model: 'gemini-2.5-flash-image' }), 404, 'NOT_FOUND');
    expect(error.message).toMatch(/^models\/gemini-2.5-flash-image is not found for API version v1beta, or is not supported for generateContent\./);
  });

  it('serves only POST generateContent and streamGenerateContent', async () => {
    for (const [method, path] of [['POST', ':countTokens'], ['GET', ':generateContent'], ['GET', ':streamGenerateContent?alt=sse']] as const) {
      const response = await fetch(`${emulator.url}/models/gemini-3-pro-image${path}`, {
        method,
        headers: { 'x-goog-api-key': emulator.apiKey },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(response.status).toBe(404);
      expect(((await response.json()) as Json).error.status).toBe('NOT_FOUND');
    }
  });

  it('records every call with its body and status', async () => {
    await post(imageRequest(user('x')), { key: 'nope' });
    await post(imageRequest(user('y')));
    expect(emulator.requests.map((request) => request.status)).toEqual([400, 200]);
    expect(emulator.requests[0]?.response).toMatchObject({ error: { code: 400 } });
    expect(emulator.requests[1]?.response).toHaveProperty('candidates');
    expect(emulator.requests[1]).toMatchObject({
      method: 'generateContent',
      model: 'gemini-3-pro-image',
      body: imageRequest(user('y')),
      headers: { 'x-goog-api-key': emulator.apiKey },
      receivedAt: expect.any(Date),
    });
  });
});

describe('request validation', () => {
  async function rejection(body: unknown): Promise<string> {
    return expectGoogleError(await post(body), 400, 'INVALID_ARGUMENT').message as string;
  }

  it('rejects unknown fields where protobuf JSON would', async () => {
    expect(await rejection({ ...imageRequest(user('x')), temperature: 1 })).toBe(
      'Invalid JSON payload received. Unknown name "temperature": Cannot find field.',
    );
    expect(await rejection(imageRequest({ role: 'user', parts: [{ text: 'x' }, { image: PNG_1x1 }] }))).toBe(
      `Invalid JSON payload received. Unknown name "image" at 'contents[0].parts[1]': Cannot find field.`,
    );
    expect(await rejection({ contents: [user('x')], generation_config: { image_config: { aspect: '1:1' } } })).toBe(
      `Invalid JSON payload received. Unknown name "aspect" at 'generation_config.image_config': Cannot find field.`,
    );
  });

  it('accepts both spellings of every field', async () => {
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'x' }, { inline_data: { mime_type: 'image/png', data: PNG_1x1 } }] }],
      system_instruction: { parts: [{ text: 'be nice' }] },
      safety_settings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
      tools: [{ googleSearch: {} }],
      generation_config: { response_modalities: ['TEXT', 'IMAGE'], image_config: { aspect_ratio: '1:1', image_size: '1K' }, thinking_config: { include_thoughts: true } },
    };
    expect((await post(body)).status).toBe(200);
    expect((await post(JSON.parse(JSON.stringify(body).replace('inline_data', 'inlineData')))).status).toBe(200);
  });

  it('rejects image options Google does not know', async () => {
    for (const imageConfig of [{ aspectRatio: '7:5' }, { imageSize: '2k' }, { imageSize: '1024' }]) {
      expect(await rejection({ contents: [user('x')], generationConfig: { responseModalities: ['IMAGE'], imageConfig } })).toMatch(/^Unsupported/);
    }
    expect(await rejection({ contents: [user('x')], generationConfig: { responseModalities: ['PICTURE'] } })).toMatch(/^Invalid value at 'generation_config.response_modalities\[0\]'/);
  });

  it('holds each model to its own aspect ratios and sizes: 3.1 Flash makes 1:8 and 512, Pro does not', async () => {
    const asking = (imageConfig: Json) => ({ contents: [user('x')], generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig } });
    for (const imageConfig of [{ aspectRatio: '1:8' }, { aspectRatio: '4:1' }, { imageSize: '512' }, { aspectRatio: '8:1', imageSize: '512' }]) {
      expect((await post(asking(imageConfig), { model: 'gemini-3.1-flash-image' })).status).toBe(200);
      const error = expectGoogleError(await post(asking(imageConfig)), 400, 'INVALID_ARGUMENT');
      expect(error.message).toMatch(/^Unsupported (aspect ratio|image size): "(1:8|4:1|512|8:1)"\. Supported values are: /);
      expect(error.details).toEqual([
        expect.objectContaining({ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [expect.objectContaining({ field: expect.stringMatching(/^generation_config\.image_config\./) })] }),
      ]);
    }
    expect((await post(asking({ aspectRatio: '21:9', imageSize: '4K' }), { model: 'gemini-3.1-flash-image' })).status).toBe(200);
    expect((await post(asking({ aspectRatio: '21:9', imageSize: '4K' }))).status).toBe(200);
  });

  it('holds a model a test adds to the range the test gives it', async () => {
    const other = await startGeminiEmulator({ models: ['gemini-nano-banana-2.1'], imageOptions: { 'gemini-nano-banana-2.1': { aspectRatios: ['1:1'], imageSizes: ['1K'] } } });
    try {
      const call = (imageConfig: Json) =>
        fetch(`${other.url}/models/gemini-nano-banana-2.1:generateContent`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': other.apiKey },
          body: JSON.stringify({ contents: [user('x')], generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig } }),
        }).then((response) => response.status);
      expect(await call({ aspectRatio: '1:1', imageSize: '1K' })).toBe(200);
      expect(await call({ imageSize: '2K' })).toBe(400);
      expect(await call({ aspectRatio: '16:9' })).toBe(400);
    } finally {
      await other.close();
    }
  });

  it('rejects malformed conversations', async () => {
    expect(await rejection({ contents: [] })).toMatch(/contents is not specified/);
    expect(await rejection(imageRequest(user('a'), { role: 'assistant', parts: [{ text: 'b' }] }, user('c')))).toBe('Please use a valid role: user, model.');
    expect(await rejection(imageRequest({ parts: [{ text: 'a' }] }, user('b')))).toBe('Please use a valid role: user, model.');
    expect(await rejection(imageRequest(user('a'), { role: 'model', parts: [{ text: 'b' }] }))).toMatch(/ends with a user role/);
    expect(await rejection(imageRequest({ role: 'user', parts: [] }))).toMatch(/parts must not be empty/);
    expect(await rejection(imageRequest({ role: 'user', parts: [{ thought: true }] }))).toMatch(/required oneof field 'data'/);
    expect(await rejection(imageRequest({ role: 'user', parts: [{ text: 'a', inlineData: { mimeType: 'image/png', data: PNG_1x1 } }] }))).toMatch(/Oneof field 'data' is already set/);
    expect(await rejection('{"contents": [')).toMatch(/^Invalid JSON payload received/);
  });

  it('accepts a lone turn without a role', async () => {
    expect((await post({ contents: [{ parts: [{ text: 'a' }] }], generationConfig: IMAGE_CONFIG })).status).toBe(200);
  });

  it('rejects images that are not what they claim', async () => {
    const withImage = (inlineData: Json): Json => imageRequest(user('edit', { inlineData }));
    expect(await rejection(withImage({ mimeType: 'image/gif', data: PNG_1x1 }))).toBe('Unsupported MIME type: image/gif');
    expect(await rejection(withImage({ mimeType: 'image/jpeg', data: PNG_1x1 }))).toMatch(/^Unable to process input image/);
    expect(await rejection(withImage({ mimeType: 'image/png', data: '' }))).toMatch(/^Unable to process input image/);
    expect(await rejection(withImage({ mimeType: 'image/png', data: 'not base64!' }))).toMatch(/Base64 decoding failed/);
    expect((await post(withImage({ mimeType: 'image/png', data: PNG_1x1 }))).status).toBe(200);
  });

  it('takes at most 14 images in the last turn', async () => {
    const images = (count: number): Json[] => Array.from({ length: count }, () => ({ inlineData: { mimeType: 'image/png', data: PNG_1x1 } }));
    expect((await post(imageRequest(user('mix', ...images(14))))).status).toBe(200);
    expect(await rejection(imageRequest(user('mix', ...images(15))))).toMatch(/at most 14/);
  });

  it('refuses a request over 100 MB', async () => {
    const huge = `{"contents":[{"parts":[{"text":"${'a'.repeat(100 * 1024 * 1024)}"}]}]}`;
    expect(await rejection(huge)).toBe('Request payload size exceeds the limit: 104857600 bytes.');
  });
});

describe('scripted behaviours', () => {
  it('are consumed one per request, then the default is an image', async () => {
    emulator.enqueue({ kind: 'text-only', text: 'first' }, { kind: 'no-candidates' });
    expect((await post(imageRequest(user('a')))).json.candidates[0].content.parts.at(-1).text).toBe('first');
    expect((await post(imageRequest(user('b')))).json.candidates).toEqual([]);
    const parts = (await post(imageRequest(user('c')))).json.candidates[0].content.parts as Json[];
    expect(parts.some((part) => part.inlineData && !part.thought)).toBe(true);
  });

  it('image: several padded images, each signed, after interim thought images', async () => {
    emulator.enqueue({ kind: 'image', text: 'Two of them', images: 2, imageBytes: 200_000, thoughtImages: 2 });
    const { json } = await post(imageRequest(user('twins')));
    const parts = json.candidates[0].content.parts as Json[];
    expect(parts.map((part) => [part.thought === true, part.inlineData ? 'image' : 'text', part.thoughtSignature !== undefined])).toEqual([
      [true, 'text', false],
      [true, 'image', false],
      [true, 'image', false],
      [false, 'text', true],
      [false, 'image', true],
      [false, 'image', true],
    ]);
    expect(parts[3]?.text).toBe('Two of them');
    const finals = parts.slice(4).map((part) => imageBytes(part));
    for (const jpeg of finals) {
      expect(Math.abs(jpeg.length - 200_000)).toBeLessThan(8);
      expect(readJpegSegments(jpeg).at(-1)?.marker).toBe(0xd9);
    }
    expect(finals.map((jpeg) => emulator.imageInfo(jpeg)?.serial)).toEqual([1, 2]);
    expect(emulator.imageInfo(imageBytes(parts[1] as Json))).toEqual({ serial: 1, prompt: 'twins', interim: true, draft: 1 });
    // Real drafts differ: two identical ones would reach the bot's blob store as one image stored twice.
    expect(emulator.imageInfo(imageBytes(parts[2] as Json))).toEqual({ serial: 1, prompt: 'twins', interim: true, draft: 2 });
    expect(json.usageMetadata.candidatesTokenCount).toBe(2 * 1120 + Math.ceil('Two of them'.length / 4));
  });

  it('image with damage: each broken part is wrong in exactly its layer, signed all the same, and refused when replayed', async () => {
    emulator.enqueue({ kind: 'image', images: 5, damage: ['intact', 'base64', 'magic', 'header', 'mislabelled'], thoughtImages: 1, thoughtDamage: 'magic' });
    const userTurn = user('five foxes');
    const { json } = await post(imageRequest(userTurn));
    const modelTurn = json.candidates[0].content as Json;
    const images = (modelTurn.parts as Json[]).filter((part) => part.inlineData && part.thought !== true);
    expect(images.every((part) => typeof part.thoughtSignature === 'string')).toBe(true);
    const [intact, base64, magic, header, mislabelled] = images.map((part) => part.inlineData as { mimeType: string; data: string });
    expect(readJpegSegments(Buffer.from(intact!.data, 'base64')).at(-1)?.marker).toBe(0xd9);
    expect(base64!.data).toMatch(/[^A-Za-z0-9+/=]/);
    expect(Buffer.from(magic!.data, 'base64').subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
    const headerBytes = Buffer.from(header!.data, 'base64');
    expect(headerBytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
    expect(() => readJpegSegments(headerBytes)).toThrow();
    expect(mislabelled!.mimeType).toBe('image/png');
    expect(emulator.imageInfo(Buffer.from(mislabelled!.data, 'base64'))?.prompt).toBe('five foxes');
    const thought = (modelTurn.parts as Json[]).find((part) => part.inlineData && part.thought === true);
    expect(Buffer.from(thought!.inlineData.data, 'base64').toString('latin1', 0, 9)).toBe('<!DOCTYPE');
    // Like Google, the emulator decodes what it is sent back: a replay of this turn is refused.
    const replay = await post(imageRequest(userTurn, modelTurn, user('again')));
    expect(replay.status).toBe(400);
  });

  it('prompt-blocked: promptFeedback and no candidates', async () => {
    emulator.enqueue({ kind: 'prompt-blocked', reason: 'PROHIBITED_CONTENT' });
    const { status, json } = await post(imageRequest(user('bad')));
    expect(status).toBe(200);
    expect(json.candidates).toBeUndefined();
    expect(json.promptFeedback).toMatchObject({ blockReason: 'PROHIBITED_CONTENT', safetyRatings: expect.any(Array) });
    expect(json.usageMetadata.promptTokenCount).toBeGreaterThan(0);
  });

  it('finish: the reason, the optional text, and never an image', async () => {
    emulator.enqueue({ kind: 'finish', reason: 'IMAGE_SAFETY' }, { kind: 'finish', reason: 'NO_IMAGE', text: 'I could not draw that.' });
    const bare = (await post(imageRequest(user('a')))).json.candidates[0];
    expect(bare).toEqual({ finishReason: 'IMAGE_SAFETY', index: 0 });
    const withText = (await post(imageRequest(user('b')))).json.candidates[0];
    expect(withText).toMatchObject({ finishReason: 'NO_IMAGE', content: { role: 'model', parts: [{ text: 'I could not draw that.', thoughtSignature: expect.any(String) }] } });
  });

  it('error 429: QuotaFailure per minute or per day, RetryInfo when asked', async () => {
    emulator.enqueue({ kind: 'error', status: 429, retryDelay: '57.2s' }, { kind: 'error', status: 429, quota: 'day' });
    const minute = expectGoogleError(await post(imageRequest(user('a'))), 429, 'RESOURCE_EXHAUSTED');
    expect(minute.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '57.2s' });
    const quotaFailure = minute.details.find((detail: Json) => detail['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure');
    expect(quotaFailure.violations[0]).toMatchObject({ quotaMetric: expect.any(String), quotaId: expect.stringContaining('PerMinute') });
    const day = expectGoogleError(await post(imageRequest(user('b'))), 429, 'RESOURCE_EXHAUSTED');
    expect(JSON.stringify(day.details)).toMatch(/PerDay/);
    expect(JSON.stringify(day.details)).not.toMatch(/RetryInfo/);
  });

  it('error: other statuses in Google shape, with a custom message', async () => {
    emulator.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 503, message: 'busy' }, { kind: 'error', status: 403 });
    expectGoogleError(await post(imageRequest(user('a'))), 500, 'INTERNAL');
    expect(expectGoogleError(await post(imageRequest(user('b'))), 503, 'UNAVAILABLE').message).toBe('busy');
    expectGoogleError(await post(imageRequest(user('c'))), 403, 'PERMISSION_DENIED');
  });

  it('are kept for valid requests: a rejected request does not consume one', async () => {
    emulator.enqueue({ kind: 'text-only', text: 'kept' });
    await post(imageRequest(user('a')), { key: 'wrong' });
    expect((await post(imageRequest(user('b')))).json.candidates[0].content.parts.at(-1).text).toBe('kept');
  });

  it('delay: answers after the delay with the next behaviour', async () => {
    emulator.enqueue({ kind: 'delay', ms: 150, then: { kind: 'text-only', text: 'late' } });
    const started = performance.now();
    const { json } = await post(imageRequest(user('a')));
    // A lower bound only: a slow machine answers later, never sooner (140, since Node may fire a timer a millisecond early).
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(json.candidates[0].content.parts.at(-1).text).toBe('late');
  });

  it('held: answers with the next behaviour only once released, and close() ends one never released', async () => {
    const held = heldAnswer({ kind: 'text-only', text: 'released' });
    emulator.enqueue(held.behaviour, { kind: 'text-only', text: 'not held' });
    const first = post(imageRequest(user('a')));
    await expect.poll(() => emulator.requests[0]?.body, { timeout: 10_000 }).toBeDefined(); // it has taken the held behaviour
    expect((await post(imageRequest(user('b')))).json.candidates[0].content.parts.at(-1).text).toBe('not held');
    expect(emulator.requests[0]?.status).toBe(0);
    held.release();
    expect((await first).json.candidates[0].content.parts.at(-1).text).toBe('released');

    emulator.enqueue(heldAnswer().behaviour);
    const never = post(imageRequest(user('c'))).then(
      () => 'answered',
      () => 'failed',
    );
    await expect.poll(() => emulator.requests.length, { timeout: 10_000 }).toBe(3);
    await emulator.close();
    expect(await never).toBe('failed');
    emulator = await startGeminiEmulator(); // afterEach closes this one
  });

  it('hang: never answers, and close() still returns', async () => {
    emulator.enqueue({ kind: 'hang' });
    const pending = post(imageRequest(user('a')));
    const outcome = pending.then(
      () => 'answered',
      () => 'failed',
    );
    // Its body read means it took its behaviour from the queue (in the same tick): a later request cannot take the hang.
    await expect.poll(() => emulator.requests[0]?.body, { timeout: 10_000 }).toBeDefined();
    // A later request answered is the event that shows the hung one was passed over, not just not reached yet.
    expect((await post(imageRequest(user('b')))).status).toBe(200);
    expect(await Promise.race([outcome, Promise.resolve('waiting')])).toBe('waiting');
    expect(emulator.requests[0]?.status).toBe(0);
    await emulator.close();
    expect(await outcome).toBe('failed');
    emulator = await startGeminiEmulator(); // afterEach closes this one
  });

  it('reset: the connection drops without a response', async () => {
    emulator.enqueue({ kind: 'reset' });
    await expect(post(imageRequest(user('a')))).rejects.toThrow();
    expect(emulator.requests[0]?.status).toBe(0);
  });
});
