// What the bot asked Gemini, the same whichever GEMINI_API the suite runs
// on (harness.ts, E2E_GEMINI_API): tests whose point is the conversation the
// model saw (the member's words, the images, the history, the options) read
// these instead of generateContent bodies, so one file proves both
// transports. Tests whose point is one API's wire format read that API's
// records directly (harness.gemini.requests, harness.gemini.interactions).

import type { RecordedGeminiRequest } from '../emulators/gemini/index.js';
import type { InteractionStep, RecordedInteractionRequest } from '../emulators/gemini/interactionsTypes.js';
import { answeredContent, inlineData } from './helpers.js';
import type { GeminiEmulator } from '../emulators/gemini/index.js';

/** Whatever holds the Gemini emulator: a harness, or a test that runs the bot in a process of its own. */
type WithGemini = { gemini: GeminiEmulator };

/** One turn of a conversation, without the wire format: the words and the images (base64), thoughts left out. */
export interface SeenTurn {
  role: 'user' | 'model';
  texts: string[];
  images: string[];
}

export interface GeminiCall {
  api: 'generate-content' | 'interactions';
  receivedAt: Date;
  /** The HTTP status Gemini answered (0 while unanswered or reset). */
  status: number;
  model: string;
  /** The conversation the model saw, oldest first: for a continued interaction, Google's stored history, then what was sent. */
  seen: SeenTurn[];
  /** The new user turn: the last of `seen`. */
  asked: SeenTurn;
  /** The MIME types the request gave the new turn's images, in order. */
  askedImageTypes: string[];
  /** How many turns the request itself carried (generateContent: the whole history; a continued interaction: the new input). */
  sentTurns: number;
  /** The request body's size in bytes (generateContent: its JSON as parsed, written compactly; interactions: as received). */
  sentBytes: number;
  /** The interaction this call made (interactions only, once answered 200). */
  interactionId?: string;
  /** The interaction this call continued from (interactions only). */
  continuedFrom?: string;
  aspectRatio?: string;
  imageSize?: string;
  search: boolean;
  streamed: boolean;
  /** How a streamed answer ended ('complete', 'cut', 'ended', 'error', 'client-gone'; 'streaming' while it runs). */
  streamEnd?: string;
  /** Whether the request asked for Gemini's drafts (its thoughts, which carry the sketches): includeThoughts; thinking_summaries not "none". */
  askedForDrafts: boolean;
  /** How many interim images (sketches) the model's answer carried in its thoughts. */
  answerDrafts: number;
  /** The model's answer (texts and images), when it answered with content. */
  answer?: SeenTurn;
  /**
   * The model turns this request itself carried, exactly as they went on the wire: generateContent's
   * model contents; the model steps of an interaction's input, one array per turn (none when it continued).
   */
  modelTurnsSent: unknown[];
  /**
   * The model's answer exactly as Gemini gave it, in the form a replay must send back: generateContent's
   * content (a stream's chunks joined); an interaction's model steps, signatures included.
   */
  answerOnWire?: unknown;
}

/** Every call that asked the model for a turn, in arrival order, on either API (GETs and DELETEs of interactions are not turns). */
export function geminiCalls(harness: WithGemini): GeminiCall[] {
  const generate = harness.gemini.requests.map((request) => ({ at: request.receivedAt.getTime(), call: () => fromGenerateContent(request) }));
  const interactions = harness.gemini.interactions.requests
    .filter((request) => request.method === 'POST')
    .map((request) => ({ at: request.receivedAt.getTime(), call: () => fromInteraction(harness, request) }));
  return [...generate, ...interactions].sort((a, b) => a.at - b.at).map((entry) => entry.call());
}

/** The n-th call, or an error that says how many there were. */
export function geminiCall(harness: WithGemini, index: number): GeminiCall {
  const calls = geminiCalls(harness);
  const call = calls[index];
  if (!call) throw new Error(`Gemini received ${calls.length} turn request(s), not ${index + 1}`);
  return call;
}

/** The last image the model saw up to and including the new turn: the image an edit applies to. */
export function lastImageSeen(call: GeminiCall): string | undefined {
  return call.seen.flatMap((turn) => turn.images).at(-1);
}

/** The image options a call asked for, only those set: `{}` when it left both to the model. */
export function imageOptionsOf(call: GeminiCall): { aspectRatio?: string; imageSize?: string } {
  return { ...(call.aspectRatio ? { aspectRatio: call.aspectRatio } : {}), ...(call.imageSize ? { imageSize: call.imageSize } : {}) };
}

/** The words of a turn, joined: what the member asked, for the last turn of a call. */
export function wordsOf(turn: SeenTurn | undefined): string {
  return turn?.texts.join('\n') ?? '';
}

type GenerateContent = { role?: string; parts?: Array<Record<string, unknown>> };
type GenerateBody = {
  contents?: GenerateContent[];
  tools?: unknown[];
  generationConfig?: { imageConfig?: { aspectRatio?: string; imageSize?: string }; thinkingConfig?: { includeThoughts?: boolean } };
};

function fromGenerateContent(request: RecordedGeminiRequest): GeminiCall {
  const body = (request.body ?? {}) as GenerateBody;
  const seen = (body.contents ?? []).map(turnOfContent);
  let answer: SeenTurn | undefined;
  let answerOnWire: unknown;
  if (request.status === 200) {
    try {
      answerOnWire = answeredContent(request);
      answer = turnOfContent(answerOnWire as GenerateContent);
    } catch {
      answer = undefined;
    }
  }
  const imageConfig = body.generationConfig?.imageConfig;
  return {
    api: 'generate-content',
    receivedAt: request.receivedAt,
    status: request.status,
    model: request.model,
    seen,
    asked: seen.at(-1) ?? { role: 'user', texts: [], images: [] },
    askedImageTypes: (body.contents?.at(-1)?.parts ?? []).flatMap((part) => {
      const inline = part['thought'] === true ? undefined : inlineData(part);
      return inline ? [inline.mimeType] : [];
    }),
    sentTurns: seen.length,
    sentBytes: request.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(request.body)),
    ...(imageConfig?.aspectRatio ? { aspectRatio: imageConfig.aspectRatio } : {}),
    ...(imageConfig?.imageSize ? { imageSize: imageConfig.imageSize } : {}),
    search: (body.tools ?? []).some((tool) => typeof tool === 'object' && tool !== null && 'googleSearch' in tool),
    streamed: request.method === 'streamGenerateContent',
    ...(request.streamEnd ? { streamEnd: request.streamEnd } : {}),
    askedForDrafts: body.generationConfig?.thinkingConfig?.includeThoughts === true,
    answerDrafts: ((answerOnWire as GenerateContent | undefined)?.parts ?? []).filter((part) => part['thought'] === true && inlineData(part)).length,
    ...(answer ? { answer } : {}),
    modelTurnsSent: (body.contents ?? []).filter((content) => content.role === 'model'),
    ...(answerOnWire !== undefined ? { answerOnWire } : {}),
  };
}

function turnOfContent(content: GenerateContent): SeenTurn {
  const parts = (content.parts ?? []).filter((part) => part['thought'] !== true);
  return {
    role: content.role === 'model' ? 'model' : 'user',
    texts: parts.flatMap((part) => (typeof part['text'] === 'string' ? [part['text']] : [])),
    images: parts.flatMap((part) => {
      const inline = inlineData(part);
      return inline ? [inline.data] : [];
    }),
  };
}

type InteractionBody = {
  model?: string;
  input?: InteractionStep[] | string;
  previous_interaction_id?: string;
  stream?: boolean;
  tools?: Array<{ type?: string }>;
  response_format?: Array<{ type?: string; aspect_ratio?: string; image_size?: string }>;
  generation_config?: { thinking_summaries?: string };
};

function fromInteraction(harness: WithGemini, request: RecordedInteractionRequest): GeminiCall {
  const body = (request.body ?? {}) as InteractionBody;
  const input = typeof body.input === 'string' ? [{ type: 'user_input' as const, content: [{ type: 'text' as const, text: body.input }] }] : (body.input ?? []);
  const previous = body.previous_interaction_id ? harness.gemini.interactions.stored(body.previous_interaction_id)?.history ?? [] : [];
  const seen = turnsOfSteps([...previous, ...input]);
  const stored = request.interactionId ? harness.gemini.interactions.stored(request.interactionId) : undefined;
  // The interaction's own steps are its input, then the model's answer: what follows the last user_input
  // (a stateless replay's input holds earlier model steps too).
  const answerSteps = stored ? stored.steps.slice(stored.steps.findLastIndex((step) => step.type === 'user_input') + 1) : undefined;
  const answerTurns = answerSteps ? turnsOfSteps(answerSteps) : [];
  const image = (body.response_format ?? []).find((format) => format.type === 'image');
  return {
    api: 'interactions',
    receivedAt: request.receivedAt,
    status: request.status,
    model: body.model ?? '',
    seen,
    asked: seen.at(-1) ?? { role: 'user', texts: [], images: [] },
    askedImageTypes: input
      .filter((step) => step.type === 'user_input')
      .slice(-1)
      .flatMap((step) => (step.type === 'user_input' ? step.content ?? [] : []))
      .flatMap((item) => (item.type === 'image' ? [item.mime_type ?? ''] : [])),
    sentTurns: turnsOfSteps(input).length,
    sentBytes: request.bytes,
    ...(request.interactionId ? { interactionId: request.interactionId } : {}),
    ...(body.previous_interaction_id ? { continuedFrom: body.previous_interaction_id } : {}),
    ...(image?.aspect_ratio ? { aspectRatio: image.aspect_ratio } : {}),
    ...(image?.image_size ? { imageSize: image.image_size } : {}),
    search: (body.tools ?? []).some((tool) => tool.type === 'google_search'),
    streamed: body.stream === true,
    ...(request.streamEnd ? { streamEnd: request.streamEnd } : {}),
    askedForDrafts: body.generation_config?.thinking_summaries !== 'none',
    answerDrafts: (answerSteps ?? []).flatMap((step) => (step.type === 'thought' ? (step.summary ?? []) : [])).filter((item) => item.type === 'image').length,
    ...(answerTurns[0] ? { answer: answerTurns[0] } : {}),
    modelTurnsSent: modelRunsOf(input),
    ...(answerSteps && answerSteps.length > 0 ? { answerOnWire: answerSteps } : {}),
  };
}

/** The model's steps between user_input steps, each run one turn, exactly as sent. */
function modelRunsOf(steps: readonly InteractionStep[]): InteractionStep[][] {
  const runs: InteractionStep[][] = [];
  let previous: InteractionStep | undefined;
  for (const step of steps) {
    if (step.type !== 'user_input') {
      if (!previous || previous.type === 'user_input') runs.push([]);
      runs.at(-1)!.push(step);
    }
    previous = step;
  }
  return runs;
}

/** Steps into turns: a user_input step is a user turn; the model's steps up to the next user_input are one model turn. */
function turnsOfSteps(steps: readonly InteractionStep[]): SeenTurn[] {
  const turns: SeenTurn[] = [];
  for (const step of steps) {
    const role = step.type === 'user_input' ? 'user' : 'model';
    let turn = turns.at(-1);
    if (!turn || turn.role !== role || role === 'user') {
      turn = { role, texts: [], images: [] };
      turns.push(turn);
    }
    if (step.type !== 'user_input' && step.type !== 'model_output') continue;
    for (const item of step.content ?? []) {
      if (item.type === 'text') turn.texts.push(item.text);
      else if (item.type === 'image' && item.data) turn.images.push(item.data);
    }
  }
  return turns;
}

/** How many requests reached Gemini on either API, turns and the interactions' GETs and DELETEs alike: for "nothing reached Gemini". */
export function geminiRequestCount(harness: WithGemini): number {
  return harness.gemini.requests.length + harness.gemini.interactions.requests.length;
}
