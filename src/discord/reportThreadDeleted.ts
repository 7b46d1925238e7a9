import { DiscordAPIError, DiscordjsError, DiscordjsErrorCodes, RESTJSONErrorCodes } from 'discord.js';
import type { Logger } from 'pino';
import { ChannelDeletedError } from '../conversation/branchConversation.js';

/**
 * Whether the place the answer goes is gone: the conversation's thread (or
 * its channel) deleted while the turn drew its answer. Discord then answers
 * 10003 Unknown Channel; once the bot has read the deletion, discord.js has
 * dropped the channel and refuses a reply to a message in it before asking
 * Discord. Not 10008 Unknown Message: a message deleted in a channel that
 * still exists (a moderator removing the bot's status reply) is no deleted
 * thread, and stays an unexpected error the member is told of.
 */
export function isThreadDeleted(error: unknown): boolean {
  // A Branch that found its channel marked deleted (review 6 F5).
  if (error instanceof ChannelDeletedError) return true;
  if (error instanceof DiscordAPIError) return error.code === RESTJSONErrorCodes.UnknownChannel;
  return error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.ChannelNotCached;
}

/**
 * A thread deleted under a turn is something members do, not a fault: logged
 * as an expected event, with no reference to look up, and the sentence a
 * member who asked from elsewhere (a button's private reply) reads.
 */
export function reportThreadDeleted(bot: { logger: Logger }, error: unknown, context: Record<string, unknown>): string {
  if (error instanceof ChannelDeletedError) {
    // A Branch draws nothing: its copy of the conversation was what could not be saved.
    bot.logger.info(context, 'the channel was deleted while a Branch was saved; nothing of the branch is kept');
    return 'The channel was deleted while I was branching, so the branch was not kept.';
  }
  bot.logger.info({ ...context, code: (error as { code?: unknown }).code }, 'the thread was deleted while its answer was drawn; the answer could not be posted');
  return 'The thread was deleted while I was drawing, so the answer could not be posted.';
}
