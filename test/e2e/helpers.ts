import type { APIApplicationCommandInteractionDataOption, APIAttachment } from 'discord.js';
import { expect, vi } from 'vitest';
import type { StoredMessage, User } from '../emulators/discord/index.js';
import type { RecordedGeminiRequest } from '../emulators/gemini/index.js';
import type { Harness } from './harness.js';

/**
 * For vi.waitFor on state the bot changes (a stored record, a log line, a request seen): its 1 s
 * default is a sleep in disguise on a loaded machine. Ten seconds is long enough never to be the
 * reason a test fails, and the wait still ends the moment the state is there.
 */
export const PATIENCE = { timeout: 10_000, interval: 20 };

/** The body of the n-th generateContent call the bot made. */
export function geminiBody(harness: Harness, index: number): { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>; generationConfig: unknown } {
  const request = harness.gemini.requests[index];
  if (!request) throw new Error(`Gemini received ${harness.gemini.requests.length} request(s), not ${index + 1}`);
  return request.body as ReturnType<typeof geminiBody>;
}

/** The model `content` the emulator sent back for the n-th call, as JSON (see answeredContent). */
export function modelContentAnswered(harness: Harness, index: number): unknown {
  const request = harness.gemini.requests[index];
  if (!request) throw new Error(`Gemini received ${harness.gemini.requests.length} request(s), not ${index + 1}`);
  return answeredContent(request);
}

/**
 * The model `content` the emulator sent back for a call, as JSON. A streamed
 * answer (its chunks) comes back as the bot must store it: one content,
 * every chunk's parts in order, the rest from the first chunk.
 */
export function answeredContent(request: RecordedGeminiRequest): unknown {
  type Content = { parts?: unknown[] } & Record<string, unknown>;
  type Chunk = { candidates?: Array<{ content?: Content }> } | undefined;
  const response = request.response as Chunk | Chunk[];
  const contents = (Array.isArray(response) ? response : [response]).flatMap((chunk): Content[] => {
    const content = chunk?.candidates?.[0]?.content;
    return content ? [content] : [];
  });
  if (contents.length === 0) throw new Error(`Gemini's answer (${request.method}) held no candidate content`);
  return { ...contents[0], parts: contents.flatMap((content) => content.parts ?? []) };
}

export function isBotMessage(harness: Harness, message: StoredMessage): boolean {
  return message.author.id === harness.discord.botUser.id;
}

/** A message's main text, without the small print (-# lines: who asked, notes). */
export function mainText(message: StoredMessage): string {
  return message.content
    .split('\n')
    .filter((line) => !line.startsWith('-# '))
    .join('\n');
}

/** Status notes and sketches the bot shows while a request waits or Gemini draws; the answer replaces them in the same message. */
export function isProgressNote(message: StoredMessage): boolean {
  return /^(Queued: |Waiting for a free slot|Gemini is busy, retrying|Sketch \d+, still drawing…)/.test(message.content);
}

/** The bot's answer to a user message (not a progress note that will be replaced). */
export function waitForBotReplyTo(harness: Harness, userMessage: { id: string }): Promise<StoredMessage> {
  return harness.discord.waitForMessage(
    (message) => isBotMessage(harness, message) && message.message_reference?.message_id === userMessage.id && !isProgressNote(message),
  );
}

export interface ImagineArgs {
  user?: User;
  prompt: string;
  aspectRatio?: string;
  size?: string;
  references?: APIAttachment[];
  channelId?: string;
  search?: boolean;
  /** The model option (offered when GEMINI_MODELS holds more than one). */
  model?: string;
}

/** Sends /imagine like a member would and waits for the image message and its thread. */
export async function imagine(harness: Harness, args: ImagineArgs) {
  const options: APIApplicationCommandInteractionDataOption[] = [{ name: 'prompt', type: 3, value: args.prompt }];
  if (args.aspectRatio) options.push({ name: 'aspect_ratio', type: 3, value: args.aspectRatio });
  if (args.size) options.push({ name: 'size', type: 3, value: args.size });
  if (args.search !== undefined) options.push({ name: 'search', type: 5, value: args.search });
  if (args.model) options.push({ name: 'model', type: 3, value: args.model });
  (args.references ?? []).forEach((attachment, index) =>
    options.push({ name: `reference${index + 1}`, type: 11, value: attachment.id }),
  );
  const { interactionId } = harness.discord.sendSlashCommand({
    user: args.user ?? harness.discord.users.alice,
    name: 'imagine',
    options,
    ...(args.channelId ? { channelId: args.channelId } : {}),
    ...(args.references ? { attachments: args.references } : {}),
  });
  const message = await harness.discord.waitForMessage(
    (candidate) =>
      isBotMessage(harness, candidate) && candidate.id === harness.discord.interaction(interactionId).originalMessageId && !isProgressNote(candidate),
  );
  return { interactionId, message };
}

/** An /imagine whose image opens a conversation: the starter message and its thread. */
export async function startConversation(harness: Harness, args: ImagineArgs) {
  const { message } = await imagine(harness, args);
  const thread = await waitForThread(harness, message.id);
  return { starter: message, thread };
}

/** A member's reply in a thread to one of its messages (bob's unless said). */
export function replyInThread(harness: Harness, threadId: string, to: { id: string }, content: string, user: User = harness.discord.users.bob) {
  return harness.discord.sendMessage({ user, channelId: threadId, content, replyTo: to.id });
}

export async function waitForThread(harness: Harness, id: string) {
  return vi.waitFor(
    () => {
      const thread = harness.discord.threads().find((candidate) => candidate.id === id);
      expect(thread).toBeDefined();
      return thread!;
    },
    PATIENCE,
  );
}

/** The bytes of a message's first attachment, as Discord serves them. */
export function firstAttachmentBytes(harness: Harness, message: StoredMessage): Buffer {
  const attachment = message.attachments[0];
  if (!attachment) throw new Error(`message ${message.id} has no attachment: ${JSON.stringify(message.content)}`);
  return Buffer.from(harness.discord.attachmentBytes(attachment));
}

export function inlineData(part: Record<string, unknown> | undefined): { mimeType: string; data: string } | undefined {
  const inline = (part?.['inlineData'] ?? part?.['inline_data']) as Record<string, string> | undefined;
  if (!inline) return undefined;
  return { mimeType: inline['mimeType'] ?? inline['mime_type'] ?? '', data: inline['data'] ?? '' };
}

/** A tiny PNG header followed by filler: enough for magic-byte sniffing and byte-exact comparisons. */
export function pngBytes(fill: number): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, fill)]);
}

export function jpegBytes(fill: number): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, fill), Buffer.from([0xff, 0xd9])]);
}

/**
 * Holds Discord's answer to the next edit of a deferred reply (the answer's post): Discord carries the edit out,
 * `held` settles once it has, and its answer reaches the bot only on `answer()`.
 */
export function holdTheAnswersPost(harness: Harness): { held: Promise<void>; answer: () => void } {
  let answer!: () => void;
  let answerHeld!: () => void;
  const held = new Promise<void>((resolve) => (answerHeld = resolve));
  harness.discord.injectFault({
    method: 'PATCH',
    path: /^\/webhooks\/\d+\/[^/]+\/messages\/@original$/,
    onHeld: answerHeld,
    answerHeldUntil: new Promise<void>((resolve) => (answer = resolve)),
  });
  return { held, answer };
}
