import type { Message } from 'discord.js';

export interface Addressing {
  /** The message text without the mention of the bot. */
  prompt: string;
  inThread: boolean;
  /** The bot message replied to, when the message is a reply to the bot. */
  replyToMessageId: string | undefined;
}

/**
 * Whether a message speaks to the bot, and how: in a thread, a reply to one
 * of its messages or an explicit mention; elsewhere, an explicit mention.
 * Everything else is people talking and returns undefined.
 */
export function readAddressing(message: Message<true>): Addressing | undefined {
  if (message.author.bot) return undefined;
  const botId = message.client.user.id;
  const botRoleId = message.guild.members.me?.roles.botRole?.id;
  // Discord's autocomplete may insert the bot's managed role instead of the bot user.
  const mention = new RegExp(`<@!?${botId}>${botRoleId ? `|<@&${botRoleId}>` : ''}`, 'g');
  // A reply that pings the bot also lists it in `mentions`; only the text says it was mentioned on purpose.
  const mentioned = message.content.search(mention) !== -1;
  const inThread = message.channel.isThread();
  const reference = message.reference?.messageId;
  // Discord omits `referenced_message` when it could not load it; the starter of a thread the bot opened has the thread's id.
  const startsBotThread = inThread && message.channel.ownerId === botId && reference === message.channelId;
  const repliesToBot = reference !== undefined && (message.mentions.repliedUser?.id === botId || startsBotThread);
  if (!mentioned && !(inThread && repliesToBot)) return undefined;
  return {
    prompt: message.content.replace(mention, '').trim(),
    inThread,
    replyToMessageId: repliesToBot ? reference : undefined,
  };
}
