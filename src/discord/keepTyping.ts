import type { Message } from 'discord.js';
import type { Logger } from 'pino';

/** Discord shows "typing…" for about 10 s per request, so it is renewed until the answer is posted. */
const TYPING_RENEWAL_MS = 8_000;

export function keepTyping(message: Message, logger: Logger): () => void {
  const channel = message.channel;
  if (!('sendTyping' in channel)) return () => {};
  const send = () => {
    channel.sendTyping().catch((error: unknown) => logger.debug({ err: error }, 'typing indicator failed'));
  };
  send();
  const timer = setInterval(send, TYPING_RENEWAL_MS);
  return () => clearInterval(timer);
}
