// The emulator's streamGenerateContent must stream as Gemini does and be as
// strict as its generateContent: same checks and errors before the stream,
// the answer in chunks (thoughts, interim images, signed parts, the trailing
// signed empty-text part), the faults a test scripts, and a replay check that
// takes a streamed turn back only exactly as it was sent. A plain undici
// client reads the wire, so nothing here depends on the bot's own parser.

import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toSnakeCaseKeys } from './gemini/caseStyle.js';
import { heldAnswer, stalledStream, startGeminiEmulator, type GeminiEmulator } from './gemini/index.js';

type Json = Record<string, any>;

let emulator: GeminiEmulator;

beforeEach(async () => {
  emulator = await startGeminiEmulator();
});

afterEach(async () => {
  await emulator.close();
});

/** As the bot asks with previews on: thoughts (summaries and drafts) come only when asked for. */
const IMAGE_CONFIG = { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '16:9', imageSize: '2K' }, thinkingConfig: { includeThoughts: true } };

function user(text: string): Json {
  return { role: 'user', parts: [{ text }] };
}

function imageRequest(...contents: Json[]): Json {
  return { contents, generationConfig: IMAGE_CONFIG };
}

interface StreamOptions {
  model?: string;
  key?: string | null;
  /** The query string; `?alt=sse` unless given. */
  query?: string;
  method?: 'streamGenerateContent' | 'generateContent';
}

interface Opened {
  status: number;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Buffer> & { text(): Promise<string> };
}

async function open(body: unknown, options: StreamOptions = {}): Promise<Opened> {
  const model = options.model ?? 'gemini-3-pro-image';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = options.key === undefined ? emulator.apiKey : options.key;
  if (key !== null) headers['x-goog-api-key'] = key;
  const url = `${emulator.url}/models/${model}:${options.method ?? 'streamGenerateContent'}${options.query ?? '?alt=sse'}`;
  const response = await request(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type']),
    headers: response.headers,
    body: response.body as Opened['body'],
  };
}

/** The events of a complete SSE body, checking the framing on the way. */
function parseSse(raw: string): Json[] {
  expect(raw.endsWith('\r\n\r\n')).toBe(true);
  return raw
    .split('\r\n\r\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      expect(event).not.toMatch(/\n/); // one line per event: the JSON is compact
      return JSON.parse(event.slice('data: '.length)) as Json;
    });
}

/** A whole successful SSE stream. */
async function stream(body: unknown, options: StreamOptions = {}): Promise<Json[]> {
  const opened = await open(body, options);
  expect(opened.status).toBe(200);
  expect(opened.contentType).toBe('text/event-stream');
  return parseSse(await opened.body.text());
}

/** Reads events as they arrive; `events` holds what came before an error or the end. */
async function readEvents(opened: Opened): Promise<{ events: Json[]; error?: unknown }> {
  const events: Json[] = [];
  let buffer = '';
  try {
    for await (const piece of opened.body) {
      buffer += piece.toString('utf8');
      for (let end = buffer.indexOf('\r\n\r\n'); end !== -1; end = buffer.indexOf('\r\n\r\n')) {
        events.push(JSON.parse(buffer.slice('data: '.length, end)) as Json);
        buffer = buffer.slice(end + 4);
      }
    }
  } catch (error) {
    return { events, error };
  }
  expect(buffer).toBe('');
  return { events };
}

/** The bot's stored model content (STREAM_CONTRACT point 2): every chunk's parts, in order, as received. */
function assembled(events: Json[]): Json {
  return { role: 'model', parts: events.flatMap((event) => event.candidates?.[0]?.content?.parts ?? []) };
}

/** What Google's JS SDK records for a streamed chat turn: one model content per chunk (its empty-text drop aside). */
function perChunk(events: Json[]): Json[] {
  return events.map((event) => event.candidates?.[0]?.content).filter((content) => content !== undefined);
}

function partsOf(event: Json): Json[] {
  return event.candidates?.[0]?.content?.parts ?? [];
}

/** The first (in a stream, the only) part of a chunk. */
function partOf(event: Json): Json {
  return partsOf(event)[0] as Json;
}

function shape(part: Json): string {
  const kind = part.inlineData ? 'image' : part.text === '' ? 'empty' : 'text';
  return `${part.thought ? 'thought ' : ''}${kind}${part.thoughtSignature ? ' signed' : ''}`;
}

async function expectStreamError(opened: Opened, code: number, status: string): Promise<Json> {
  expect(opened.status).toBe(code);
  // Google answers a stream method's errors with the stream's content type and the JSON error as the body.
  expect(opened.contentType).toBe('text/event-stream');
  const json = JSON.parse(await opened.body.text()) as Json;
  expect(json).toEqual({ error: expect.objectContaining({ code, status, message: expect.any(String) }) });
  return json.error;
}

describe('a streamed image answer', () => {
  it('has no thoughts and no drafts unless the request asks for them (thinkingConfig.includeThoughts), the answer signed all the same', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 2 }, { kind: 'finish', reason: 'IMAGE_SAFETY', thoughts: true, thoughtImages: 1 });
    const { thinkingConfig: _asked, ...withoutThoughts } = IMAGE_CONFIG;
    const events = await stream({ contents: [user('a banana on the moon')], generationConfig: withoutThoughts });
    expect(events.map((event) => partsOf(event).map(shape))).toEqual([['text signed'], ['text'], ['image signed'], ['empty signed']]);
    const blocked = await stream({ contents: [user('something unsafe')], generationConfig: { ...withoutThoughts, thinkingConfig: { includeThoughts: false } } });
    expect(blocked.map((event) => partsOf(event).map(shape))).toEqual([[]]);
    expect(blocked[0]?.candidates[0].finishReason).toBe('IMAGE_SAFETY');
  });

  it('is refused with 400 when the request asks a model that does not think for its thoughts', async () => {
    const other = await startGeminiEmulator({ models: ['gemini-2.5-flash-image'], withoutThinking: ['gemini-2.5-flash-image'] });
    try {
      const ask = (generationConfig: Json) =>
        fetch(`${other.url}/models/gemini-2.5-flash-image:streamGenerateContent?alt=sse`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-goog-api-key': other.apiKey },
          body: JSON.stringify({ contents: [user('x')], generationConfig }),
        });
      const refused = await ask(IMAGE_CONFIG);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error: { code: 400, status: 'INVALID_ARGUMENT', message: 'Thinking is not enabled for models/gemini-2.5-flash-image' } });
      const { thinkingConfig: _asked, ...withoutThoughts } = IMAGE_CONFIG;
      const answered = await ask(withoutThoughts);
      expect(answered.status).toBe(200);
      await answered.text();
    } finally {
      await other.close();
    }
  });

  it('comes in chunks: thoughts, interim images, signed text and image, then a signed empty-text part with the finish', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 2 });
    const events = await stream(imageRequest(user('a banana on the moon')));
    expect(events.map((event) => partsOf(event).map(shape))).toEqual([
      ['thought text'],
      ['thought text'],
      ['thought image'],
      ['thought image'],
      ['text signed'],
      ['text'],
      ['image signed'],
      ['empty signed'],
    ]);
    const last = events.at(-1) as Json;
    expect(last.candidates[0]).toMatchObject({ finishReason: 'STOP', index: 0, content: { role: 'model' } });
    for (const event of events.slice(0, -1)) {
      expect(event.candidates[0].finishReason).toBeUndefined();
      expect(event.candidates[0].index).toBe(0);
      // Earlier chunks count the prompt only; the last one has the whole answer's usage.
      expect(event.usageMetadata.candidatesTokenCount).toBeUndefined();
      expect(event.usageMetadata.promptTokenCount).toBe(last.usageMetadata.promptTokenCount);
    }
    const text = 'Here\'s the image you asked for.';
    expect(events.slice(4, 6).map((event) => partOf(event).text).join('')).toBe(text);
    expect(last.usageMetadata.candidatesTokenCount).toBe(1120 + Math.ceil(text.length / 4));
    expect(new Set(events.map((event) => event.responseId)).size).toBe(1);
    expect(events.every((event) => event.modelVersion === 'gemini-3-pro-image')).toBe(true);

    const image = Buffer.from(partOf(events[6] as Json).inlineData.data, 'base64');
    expect(emulator.imageInfo(image)).toEqual({ serial: 1, prompt: 'a banana on the moon' });
    const draft = Buffer.from(partOf(events[2] as Json).inlineData.data, 'base64');
    expect(emulator.imageInfo(draft)).toEqual({ serial: 1, prompt: 'a banana on the moon', interim: true, draft: 1 });

    expect(emulator.requests[0]).toMatchObject({ method: 'streamGenerateContent', alt: 'sse', status: 200, streamEnd: 'complete' });
    expect(emulator.requests[0]?.response).toEqual(events);
  });

  it('sends Google-like headers: text/event-stream, an attachment, no length', async () => {
    const opened = await open(imageRequest(user('x')));
    expect(opened.headers['content-disposition']).toBe('attachment');
    expect(opened.headers['content-length']).toBeUndefined();
    await opened.body.text();
  });

  it('ends with an unsigned empty-text part or with the last real part when the script says so', async () => {
    emulator.enqueue(
      { kind: 'image', stream: { trailer: 'empty' } },
      { kind: 'image', stream: { trailer: 'none' } },
      { kind: 'image', stream: { trailer: 'bare' } },
    );
    const empty = await stream(imageRequest(user('a')));
    expect(partsOf(empty.at(-1) as Json).map(shape)).toEqual(['empty']);
    expect((empty.at(-1) as Json).candidates[0].finishReason).toBe('STOP');
    const none = await stream(imageRequest(user('b')));
    expect(none.map((event) => partsOf(event).map(shape))).toEqual([['thought text'], ['thought text'], ['text signed'], ['text'], ['image signed']]);
    expect((none.at(-1) as Json).candidates[0].finishReason).toBe('STOP');
    const bare = await stream(imageRequest(user('c')));
    expect(bare.map((event) => partsOf(event).map(shape))).toEqual([['thought text'], ['thought text'], ['text signed'], ['text'], ['image signed'], []]);
    expect((bare.at(-1) as Json).candidates).toEqual([{ finishReason: 'STOP', index: 0 }]);
  });

  it('carries grounding sources on the last chunk when Google Search is on', async () => {
    const events = await stream({ ...imageRequest(user('weather in Tokyo')), tools: [{ googleSearch: {} }] });
    expect((events.at(-1) as Json).candidates[0].groundingMetadata).toMatchObject({ webSearchQueries: ['weather in Tokyo'] });
    expect(events.slice(0, -1).every((event) => event.candidates[0].groundingMetadata === undefined)).toBe(true);
  });

  it('is in snake_case when the emulator answers that way', async () => {
    emulator.setCaseStyle('snake');
    const events = await stream(imageRequest(user('a')));
    const last = events.at(-1) as Json;
    expect(last.candidates[0].finish_reason).toBe('STOP');
    expect(last.usage_metadata.candidates_token_count).toEqual(expect.any(Number));
    expect(partOf(last)).toEqual({ text: '', thought_signature: expect.any(String) });
    expect(events.some((event) => partOf(event)?.inline_data?.mime_type === 'image/jpeg')).toBe(true);
  });

  it('without alt=sse is one JSON array written progressively, as Google answers', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 1 });
    const opened = await open(imageRequest(user('a')), { query: '' });
    expect(opened.status).toBe(200);
    expect(opened.contentType).toBe('application/json; charset=UTF-8');
    const chunks = JSON.parse(await opened.body.text()) as Json[];
    expect(chunks.map((chunk) => partsOf(chunk).map(shape))).toEqual([
      ['thought text'],
      ['thought text'],
      ['thought image'],
      ['text signed'],
      ['text'],
      ['image signed'],
      ['empty signed'],
    ]);
    expect(emulator.requests[0]).toMatchObject({ method: 'streamGenerateContent', status: 200 });
    expect(emulator.requests[0]?.alt).toBeUndefined();
  });

  it('refuses an alt it does not speak', async () => {
    const opened = await open(imageRequest(user('a')), { query: '?alt=proto' });
    expect(opened.status).toBe(400);
    expect(((JSON.parse(await opened.body.text()) as Json).error as Json).status).toBe('INVALID_ARGUMENT');
  });
});

describe('a streamed request is checked like generateContent before any chunk', () => {
  it('refuses a missing or wrong key, a key in the query, an unknown model', async () => {
    await expectStreamError(await open(imageRequest(user('x')), { key: null }), 403, 'PERMISSION_DENIED');
    const wrong = await expectStreamError(await open(imageRequest(user('x')), { key: 'nope' }), 400, 'INVALID_ARGUMENT');
    expect(wrong.message).toBe('API key not valid. Please pass a valid API key.');
    const query = await expectStreamError(await open(imageRequest(user('x')), { query: `?alt=sse&key=${emulator.apiKey}` }), 400, 'INVALID_ARGUMENT');
    expect(query.message).toMatch(/x-goog-api-key/);
    const model = await expectStreamError(await open(imageRequest(user('x')), { model: 'gemini-2.5-flash-image' }), 404, 'NOT_FOUND');
    expect(model.message).toMatch(/^models\/gemini-2.5-flash-image is not found/);
  });

  it('refuses a body generateContent refuses, without consuming a scripted behaviour', async () => {
    emulator.enqueue({ kind: 'text-only', text: 'kept' });
    const unknown = await expectStreamError(await open({ ...imageRequest(user('x')), temperature: 1 }), 400, 'INVALID_ARGUMENT');
    expect(unknown.message).toBe('Invalid JSON payload received. Unknown name "temperature": Cannot find field.');
    const ratio = { contents: [user('x')], generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '7:5' } } };
    expect((await expectStreamError(await open(ratio), 400, 'INVALID_ARGUMENT')).message).toMatch(/^Unsupported aspect ratio/);
    await expectStreamError(await open('{"contents": ['), 400, 'INVALID_ARGUMENT');
    const events = await stream(imageRequest(user('y')));
    expect(assembled(events).parts.filter((part: Json) => !part.thought).map((part: Json) => part.text).join('')).toBe('kept');
  });

  it('answers scripted errors before the stream: 429 with RetryInfo, 500, 503', async () => {
    emulator.enqueue(
      { kind: 'error', status: 429, retryDelay: '12s' },
      { kind: 'error', status: 500 },
      { kind: 'error', status: 503, message: 'busy' },
    );
    const quota = await expectStreamError(await open(imageRequest(user('a'))), 429, 'RESOURCE_EXHAUSTED');
    expect(quota.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12s' });
    await expectStreamError(await open(imageRequest(user('b'))), 500, 'INTERNAL');
    expect((await expectStreamError(await open(imageRequest(user('c'))), 503, 'UNAVAILABLE')).message).toBe('busy');
  });

  it('errors without alt=sse are plain JSON, as from generateContent', async () => {
    emulator.enqueue({ kind: 'error', status: 503 });
    const opened = await open(imageRequest(user('a')), { query: '' });
    expect(opened.status).toBe(503);
    expect(opened.contentType).toBe('application/json; charset=UTF-8');
    expect(((JSON.parse(await opened.body.text()) as Json).error as Json).status).toBe('UNAVAILABLE');
  });

  it('held, reset and raw behaviours work as for generateContent', async () => {
    const held = heldAnswer({ kind: 'text-only', text: 'released' });
    emulator.enqueue(held.behaviour, { kind: 'reset' }, { kind: 'raw', status: 502, body: '<html>Bad Gateway</html>' });
    const first = open(imageRequest(user('a')));
    await expect.poll(() => emulator.requests[0]?.body, { timeout: 10_000 }).toBeDefined();
    await expect(open(imageRequest(user('b'))).then((opened) => opened.body.text())).rejects.toThrow();
    const raw = await open(imageRequest(user('c')));
    expect(raw.status).toBe(502);
    expect(await raw.body.text()).toBe('<html>Bad Gateway</html>');
    expect(emulator.requests[0]?.status).toBe(0);
    held.release();
    const opened = await first;
    const events = parseSse(await opened.body.text());
    expect(partOf(events.at(-2) as Json).text).toBe('released');
  });
});

describe('streamed behaviours', () => {
  it('prompt-blocked: promptFeedback as the only chunk', async () => {
    emulator.enqueue({ kind: 'prompt-blocked', reason: 'PROHIBITED_CONTENT' });
    const events = await stream(imageRequest(user('bad')));
    expect(events).toHaveLength(1);
    expect(events[0]?.candidates).toBeUndefined();
    expect(events[0]).toMatchObject({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: expect.any(Number) } });
  });

  it('finish: a bare block is one chunk without content', async () => {
    emulator.enqueue({ kind: 'finish', reason: 'IMAGE_SAFETY' }, { kind: 'no-candidates' });
    const events = await stream(imageRequest(user('a')));
    expect(events).toHaveLength(1);
    expect(events[0]?.candidates).toEqual([{ finishReason: 'IMAGE_SAFETY', index: 0 }]);
    expect((await stream(imageRequest(user('b'))))[0]?.candidates).toEqual([]);
  });

  it('finish after thoughts: thought text and sketches stream first, then the safety stop', async () => {
    emulator.enqueue({ kind: 'finish', reason: 'IMAGE_SAFETY', thoughts: true, thoughtImages: 2 });
    const events = await stream(imageRequest(user('a')));
    expect(events.map((event) => partsOf(event).map(shape))).toEqual([['thought text'], ['thought text'], ['thought image'], ['thought image'], []]);
    expect((events.at(-1) as Json).candidates).toEqual([{ finishReason: 'IMAGE_SAFETY', index: 0 }]);
    expect(events.slice(0, -1).every((event) => event.candidates[0].finishReason === undefined)).toBe(true);
  });

  it('finish with text: the signed text rides with the finishReason', async () => {
    emulator.enqueue({ kind: 'finish', reason: 'NO_IMAGE', text: 'I could not draw that.', thoughts: true });
    const events = await stream(imageRequest(user('a')));
    expect((events.at(-1) as Json).candidates[0]).toMatchObject({
      finishReason: 'NO_IMAGE',
      content: { parts: [{ text: 'I could not draw that.', thoughtSignature: expect.any(String) }] },
    });
  });

  it('finish with thoughts works whole too', async () => {
    emulator.enqueue({ kind: 'finish', reason: 'IMAGE_SAFETY', thoughts: true, thoughtImages: 1 });
    const opened = await open(imageRequest(user('a')), { method: 'generateContent', query: '' });
    const json = JSON.parse(await opened.body.text()) as Json;
    expect(json.candidates[0].finishReason).toBe('IMAGE_SAFETY');
    expect((json.candidates[0].content.parts as Json[]).map(shape)).toEqual(['thought text', 'thought image']);
  });

  it('text-only: drafts, then the text in two pieces and the signed trailer', async () => {
    emulator.enqueue({ kind: 'text-only', text: 'Which fox do you mean?', thoughtImages: 1 });
    const events = await stream(imageRequest(user('a fox')));
    expect(events.map((event) => partsOf(event).map(shape))).toEqual([['thought text'], ['thought text'], ['thought image'], ['text signed'], ['text'], ['empty signed']]);
    expect(events.slice(3, 5).map((event) => partOf(event).text)).toEqual(['Which fox ', 'do you mean?']);
  });

  it('image with damage and several images: each broken part as in a whole answer', async () => {
    emulator.enqueue({ kind: 'image', images: 2, damage: ['intact', 'magic'], thoughtImages: 1, thoughtDamage: 'base64' });
    const events = await stream(imageRequest(user('foxes')));
    const images = assembled(events).parts.filter((part: Json) => part.inlineData);
    expect(images.map(shape)).toEqual(['thought image', 'image signed', 'image signed']);
    expect(images[0].inlineData.data).toMatch(/[^A-Za-z0-9+/=]/);
    expect(Buffer.from(images[2].inlineData.data, 'base64').toString('latin1', 0, 9)).toBe('<!DOCTYPE');
  });
});

describe('stream faults', () => {
  it('cutAfter: the connection drops after that many chunks, without a finishReason', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 2, stream: { cutAfter: 3 } });
    const { events, error } = await readEvents(await open(imageRequest(user('a'))));
    expect(error).toBeDefined();
    expect(events.map((event) => partsOf(event).map(shape))).toEqual([['thought text'], ['thought text'], ['thought image']]);
    expect(emulator.requests[0]).toMatchObject({ status: 200, streamEnd: 'cut' });
    expect(emulator.requests[0]?.response).toEqual(events);
  });

  it("cutAfter 'end': every chunk arrives, the finishReason included, then the connection drops without a clean end", async () => {
    emulator.enqueue({ kind: 'image', stream: { cutAfter: 'end' } });
    const { events, error } = await readEvents(await open(imageRequest(user('a'))));
    expect(error).toBeDefined();
    expect(events.at(-1)?.candidates[0].finishReason).toBe('STOP');
    expect(emulator.requests[0]).toMatchObject({ status: 200, streamEnd: 'cut' });
    expect(emulator.requests[0]?.response).toEqual(events);
  });

  it('endAfter: the response ends cleanly after that many chunks, without a finishReason', async () => {
    emulator.enqueue({ kind: 'image', stream: { endAfter: 4 } });
    const { events, error } = await readEvents(await open(imageRequest(user('a'))));
    expect(error).toBeUndefined();
    expect(events).toHaveLength(4);
    expect(events.every((event) => event.candidates[0].finishReason === undefined)).toBe(true);
    expect(emulator.requests[0]?.streamEnd).toBe('ended');
  });

  it('errorAfter: an error chunk on the 200 stream after that many chunks, then the end', async () => {
    emulator.enqueue({ kind: 'image', thoughtImages: 1, stream: { errorAfter: 3 } }, { kind: 'image', stream: { errorAfter: 0, errorStatus: 429 } });
    const events = await stream(imageRequest(user('a')));
    expect(events.slice(0, 3).map((event) => partsOf(event).map(shape))).toEqual([['thought text'], ['thought text'], ['thought image']]);
    expect(events.slice(3)).toEqual([{ error: expect.objectContaining({ code: 503, status: 'UNAVAILABLE', message: expect.any(String) }) }]);
    expect(emulator.requests[0]).toMatchObject({ status: 200, streamEnd: 'error' });
    const first = await stream(imageRequest(user('b')));
    expect(first).toEqual([{ error: expect.objectContaining({ code: 429, status: 'RESOURCE_EXHAUSTED' }) }]);
  });

  it('stalledStream: stops after N chunks until released, then sends the rest', async () => {
    const stalled = stalledStream(3, { kind: 'image', thoughtImages: 2 });
    emulator.enqueue(stalled.behaviour);
    const opened = await open(imageRequest(user('a')));
    const reading = readEvents(opened);
    await stalled.reached;
    expect(emulator.requests[0]?.response).toHaveLength(3);
    expect(emulator.requests[0]?.streamEnd).toBe('streaming');
    // Another request is served while this one stalls.
    expect(await stream(imageRequest(user('b')))).toHaveLength(6);
    expect(emulator.requests[0]?.response).toHaveLength(3);
    stalled.release();
    const { events, error } = await reading;
    expect(error).toBeUndefined();
    expect(events).toHaveLength(8);
    expect(emulator.requests[0]?.streamEnd).toBe('complete');
  });

  it('a stall never released ends when the emulator closes', async () => {
    const stalled = stalledStream(1);
    emulator.enqueue(stalled.behaviour);
    const reading = readEvents(await open(imageRequest(user('a'))));
    await stalled.reached;
    await emulator.close();
    const { events, error } = await reading;
    expect(events).toHaveLength(1);
    expect(error).toBeDefined();
    emulator = await startGeminiEmulator(); // afterEach closes this one
  });

  it('a client that goes away mid-stream is recorded as gone', async () => {
    const stalled = stalledStream(2);
    emulator.enqueue(stalled.behaviour);
    const opened = await open(imageRequest(user('a')));
    await stalled.reached;
    (opened.body as unknown as { destroy(): void }).destroy();
    await expect.poll(() => emulator.requests[0]?.streamEnd, { timeout: 10_000 }).toBe('client-gone');
    stalled.release();
    // Released, it writes nothing more: the record keeps the two chunks sent.
    await expect(stream(imageRequest(user('b')))).resolves.toHaveLength(6);
    expect(emulator.requests[0]?.response).toHaveLength(2);
  });
});

describe('a streamed answer replayed', () => {
  async function streamedTurn(): Promise<{ userTurn: Json; events: Json[] }> {
    const userTurn = user('a banana on the moon');
    emulator.enqueue({ kind: 'image', thoughtImages: 2 });
    return { userTurn, events: await stream(imageRequest(userTurn)) };
  }

  it('is accepted as one content with every chunk\'s parts in order (STREAM_CONTRACT point 2)', async () => {
    const { userTurn, events } = await streamedTurn();
    const next = await stream(imageRequest(userTurn, assembled(events), user('now add a cow')));
    expect(emulator.imageInfo(Buffer.from(partOf(next[4] as Json).inlineData.data, 'base64'))).toEqual({ serial: 2, prompt: 'now add a cow' });
  });

  it('is accepted as the SDK records it: one model content per chunk', async () => {
    const { userTurn, events } = await streamedTurn();
    expect((await open(imageRequest(userTurn, ...perChunk(events), user('again')))).status).toBe(200);
  });

  it('is accepted in snake_case, and by generateContent too', async () => {
    const { userTurn, events } = await streamedTurn();
    const snake = toSnakeCaseKeys(imageRequest(userTurn, assembled(events), user('again')));
    expect((await open(snake)).status).toBe(200);
    expect((await open(imageRequest(userTurn, assembled(events), user('again')), { method: 'generateContent', query: '' })).status).toBe(200);
  });

  async function refused(userTurn: Json, ...modelContents: Json[]): Promise<Json> {
    const opened = await open(imageRequest(userTurn, ...modelContents, user('again')));
    return expectStreamError(opened, 400, 'INVALID_ARGUMENT');
  }

  it('without the signed empty-text part (what Google\'s JS SDK records) is refused', async () => {
    const { userTurn, events } = await streamedTurn();
    const sdkRecord = perChunk(events).filter((content) => !content.parts.some((part: Json) => part.thought !== true && part.text === ''));
    expect(sdkRecord).toHaveLength(events.length - 1);
    const error = await refused(userTurn, ...sdkRecord);
    expect(error.message).toBe('Corrupted thought signature.');
    expect(error.details[0].fieldViolations[0].field).toMatch(/^contents\[\d+\]\.parts\[0\]\.thought_signature$/);
    const flattened = assembled(events);
    flattened.parts.pop();
    await refused(userTurn, flattened);
  });

  it('with the text pieces merged, or the trailer\'s signature removed, is refused', async () => {
    const { userTurn, events } = await streamedTurn();
    const merged = assembled(events);
    const [first, second] = merged.parts.splice(4, 2) as [Json, Json];
    merged.parts.splice(4, 0, { ...first, text: first.text + second.text });
    expect((await refused(userTurn, merged)).message).toBe('Corrupted thought signature.');
    const unsignedTrailer = assembled(events);
    delete unsignedTrailer.parts.at(-1).thoughtSignature;
    await refused(userTurn, unsignedTrailer);
  });

  it('with a part edited, dropped, reordered or added, signed or not, is refused', async () => {
    const { userTurn, events } = await streamedTurn();
    const edits: Array<(parts: Json[]) => void> = [
      (parts) => ((parts[1] as Json).text += '!'), // a thought
      (parts) => parts.splice(2, 1), // a sketch
      (parts) => parts.reverse(), // the order
      (parts) => parts.splice(5, 0, { text: 'extra' }), // an unsigned piece added
      (parts) => parts.push({ text: 'more' }), // a part after the answer
      (parts) => ((parts[5] as Json).text = (parts[5] as Json).text.toUpperCase()), // the unsigned second text piece
    ];
    for (const edit of edits) {
      const content = assembled(events);
      edit(content.parts);
      expect((await refused(userTurn, content)).message).toBe('Corrupted thought signature.');
    }
    const signedEdit = assembled(events);
    signedEdit.parts[4].text += '!';
    const error = await refused(userTurn, signedEdit);
    expect(error.details[0].fieldViolations[0].field).toBe('contents[1].parts[4].thought_signature');
  });

  it('split into model contents at other places than the chunks is still the same answer', async () => {
    const { userTurn, events } = await streamedTurn();
    const parts = assembled(events).parts as Json[];
    const split = [{ role: 'model', parts: parts.slice(0, 3) }, { role: 'model', parts: parts.slice(3) }];
    expect((await open(imageRequest(userTurn, ...split, user('again')))).status).toBe(200);
  });

  it('ending in an unsigned empty-text part is accepted with it and refused without it', async () => {
    const userTurn = user('a');
    emulator.enqueue({ kind: 'image', stream: { trailer: 'empty' } });
    const events = await stream(imageRequest(userTurn));
    expect((await open(imageRequest(userTurn, assembled(events), user('again')))).status).toBe(200);
    const dropped = assembled(events);
    dropped.parts.pop();
    await refused(userTurn, dropped);
  });

  it('in a longer conversation: each model turn is checked on its own', async () => {
    const { userTurn, events } = await streamedTurn();
    const second = user('now add a cow');
    const next = await stream(imageRequest(userTurn, assembled(events), second));
    const conversation = [userTurn, ...perChunk(events), second, assembled(next)];
    expect((await open(imageRequest(...conversation, user('and a moon')))).status).toBe(200);
    const broken = [userTurn, assembled(events), second, { role: 'model', parts: assembled(next).parts.slice(0, -1) }];
    const error = await refused(broken[0] as Json, ...broken.slice(1));
    expect(error.details[0].fieldViolations[0].field).toMatch(/^contents\[3\]/);
  });
});
