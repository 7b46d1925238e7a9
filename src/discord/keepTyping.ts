import type { Message } from 'discord.js';
import type { BotContext } from './botContext.js';

/** Discord shows "typing…" for about 10 s per request, so it is renewed until the answer is posted. */
const TYPING_RENEWAL_MS = 8_000;

export function keepTyping(message: Message, bot: BotContext): () => void {
  const channel = message.channel;
  if (!('sendTyping' in channel)) return () => {};
  const send = () => {
    channel.sendTyping().catch((error: unknown) => bot.logger.debug({ err: error }, 'typing indicator failed'));
  };
  send();
  const timer = setInterval(send, TYPING_RENEWAL_MS);
  return () => clearInterval(timer);
}
