import { DiscordAPIError, RESTJSONErrorCodes, type Message } from 'discord.js';
import type { Logger } from 'pino';
import { fitAllToUploadLimit } from '../images/fitToUploadLimit.js';
import { withNotes, type RenderedMessage } from './renderOutcome.js';

export interface AnswerTarget {
  post(message: RenderedMessage): Promise<Message>;
  uploadLimitBytes: number;
}

/**
 * Posts an answer whose images fit the destination's upload limit: a 4K
 * result can be larger than the 10 MiB an unboosted server accepts, so it is
 * re-encoded or downscaled first, and again smaller if Discord still answers
 * 413 (the limit we were told can be out of date).
 */
export async function deliverAnswer(target: AnswerTarget, message: RenderedMessage, logger: Logger): Promise<Message> {
  const fitted = await fitFiles(message, target.uploadLimitBytes, logger);
  try {
    return await target.post(fitted);
  } catch (error) {
    if (!isTooLarge(error) || fitted.files.length === 0) throw error;
    const smaller = Math.floor(Math.max(...fitted.files.map((file) => file.data.length)) / 2);
    logger.warn({ uploadLimitBytes: target.uploadLimitBytes, retryLimitBytes: smaller }, 'Discord refused the upload as too large; shrinking');
    return target.post(await fitFiles(message, smaller, logger));
  }
}

async function fitFiles(message: RenderedMessage, limitBytes: number, logger: Logger): Promise<RenderedMessage> {
  if (message.files.every((file) => file.data.length <= limitBytes)) return message;
  const result = await fitAllToUploadLimit(message.files, limitBytes);
  // An undecodable image from Gemini is worth an operator's look; the member is told it was left out.
  if (result.leftOut.length > 0) logger.warn({ leftOut: result.leftOut, uploadLimitBytes: limitBytes }, 'images left out of an answer');
  const notes: string[] = [];
  if (result.changed) notes.push(`Re-encoded to fit Discord's ${formatMegabytes(limitBytes)} upload limit here.`);
  if (result.failed > 0) notes.push(`${result.failed} image(s) could not be made small enough for this channel and were left out.`);
  const files = result.images.filter((image) => image.data.length <= limitBytes);
  return withNotes({ ...message, files }, notes);
}

function isTooLarge(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.status === 413 || error.code === RESTJSONErrorCodes.RequestEntityTooLarge);
}

function formatMegabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
