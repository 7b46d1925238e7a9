// What the emulated members do during the bench, without vitest: the e2e
// helpers import `expect`, which only works inside a test run.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchTarget } from './benchTarget.js';
import type { StoredMessage } from '../emulators/discord/index.js';

/** A message the bot posted, and when (performance.now()) the emulator stored it. */
export interface PostedMessage {
  message: StoredMessage;
  postedAt: number;
}

const TURN_TIMEOUT_MS = 30_000;

/** The channel of the `index`th /imagine of a phase: the target's channels in turn. */
export function imagineChannel(target: BenchTarget, index: number): string {
  return target.imagineChannelIds[index % target.imagineChannelIds.length] as string;
}

/** Sends /imagine as alice in `channelId`; `posted` resolves once the bot's message shows the image in the emulator. */
export function dispatchImagine(
  target: BenchTarget,
  prompt: string,
  channelId = target.discord.channelId,
): { interactionId: string; dispatchedAt: number; posted: Promise<PostedMessage> } {
  const dispatchedAt = performance.now();
  const { interactionId } = target.discord.sendSlashCommand({
    user: target.discord.users.alice,
    channelId,
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: prompt }],
  });
  // The gateway dispatch is asynchronous, so the bot cannot answer before this listener is in place.
  const posted = waitForImage(target, (message) => message.id === target.discord.interaction(interactionId).originalMessageId);
  return { interactionId, dispatchedAt, posted };
}

/** Bob replies to one of the bot's messages in a thread; resolves with the bot's answer. */
export function replyInThread(target: BenchTarget, threadId: string, to: StoredMessage, content: string): Promise<PostedMessage> {
  const reply = target.discord.sendMessage({ user: target.discord.users.bob, channelId: threadId, content, replyTo: to.id });
  return waitForImage(target, (message) => message.message_reference?.message_id === reply.id);
}

/**
 * The bot opens the thread after it has posted and saved the turn, so the
 * thread's existence marks the end of an /imagine turn.
 */
export async function waitForThreadOf(target: BenchTarget, starter: StoredMessage): Promise<void> {
  await target.discord.waitForMessage((message) => message.id === starter.id && message.thread !== undefined, TURN_TIMEOUT_MS);
}

/**
 * The emulators log every request with its body (2 MB images included) for
 * tests to inspect. The bench inspects none, so it empties those logs to keep
 * the emulators' memory out of the RSS figure as far as it can.
 */
export function forgetRequestLogs(target: BenchTarget): void {
  target.gemini.requests.length = 0;
  target.discord.requests.length = 0;
}

/** Bytes of every attachment the Discord emulator still serves from memory. */
export function emulatorHeldAttachmentBytes(target: BenchTarget): number {
  const { discord } = target;
  const channels = [discord.channelId, discord.secondGuildChannelId, ...discord.threads().map((thread) => thread.id)];
  return channels
    .flatMap((channelId) => discord.messages(channelId))
    .flatMap((message) => message.attachments)
    .reduce((total, attachment) => total + attachment.size, 0);
}

/** Polls, every 20 ms, a condition the emulators announce no event for. No per-turn timing depends on it. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`bench: condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * The bot's message once it carries the image: a queued request first shows
 * a status note ("Queued: …") in that same message, which the answer replaces.
 */
function waitForImage(target: BenchTarget, matches: (message: StoredMessage) => boolean): Promise<PostedMessage> {
  let postedAt = 0;
  const isImageAnswer = (message: StoredMessage) =>
    message.author.id === target.discord.botUser.id && message.attachments.length > 0 && matches(message);
  return target.discord
    .waitForMessage((message) => {
      // The predicate runs as the emulator stores the message: the earliest moment it exists.
      if (!isImageAnswer(message)) return false;
      postedAt = performance.now();
      return true;
    }, TURN_TIMEOUT_MS)
    .then((message) => ({ message, postedAt }));
}
