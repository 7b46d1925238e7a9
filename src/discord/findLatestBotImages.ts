import type { AnyThreadChannel, Message } from 'discord.js';
import type { Logger } from 'pino';
import type { AttachmentSource } from '../attachments/fetchAttachment.js';
import { imageAttachmentsOf } from './imageAttachments.js';

/** Discord lists at most 100 messages a request; a thread is searched this many pages back. */
const PAGE_SIZE = 100;
const PAGES = 2;

/**
 * The images of the latest message the bot posted in a thread, else of the
 * message the thread was started from (a thread started from a message has
 * that message's id, and the message stays in the parent channel). What a
 * turn goes on from when the thread's stored history cannot be read. Never
 * rejects: a lookup that fails (no Read Message History, Discord down)
 * finds nothing, and the turn starts from the member's words.
 */
export async function findLatestBotImages(thread: AnyThreadChannel, logger: Logger): Promise<AttachmentSource[]> {
  const botId = thread.client.user.id;
  try {
    let before: string | undefined;
    for (let page = 0; page < PAGES; page++) {
      const fetched = await thread.messages.fetch({ limit: PAGE_SIZE, ...(before ? { before } : {}) });
      const newestFirst = [...fetched.values()].sort(newerFirst);
      const latest = newestFirst.find((message) => message.author.id === botId && imageAttachmentsOf(message).length > 0);
      if (latest) return imageAttachmentsOf(latest);
      if (fetched.size < PAGE_SIZE) break;
      before = newestFirst.at(-1)?.id;
    }
    // Deleted, or never the bot's: nothing to go on from.
    const starter = await thread.fetchStarterMessage().catch(() => null);
    return starter?.author.id === botId ? imageAttachmentsOf(starter) : [];
  } catch (error) {
    logger.warn({ err: error, threadId: thread.id }, 'could not look for the latest image in a thread');
    return [];
  }
}

/** Snowflakes grow with time; compared as numbers, since their strings can differ in length. */
function newerFirst(a: Message, b: Message): number {
  const [first, second] = [BigInt(a.id), BigInt(b.id)];
  return first === second ? 0 : first > second ? -1 : 1;
}
