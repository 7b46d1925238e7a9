import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Logger } from 'pino';
import { commands } from '../commands/index.js';
import type { Config } from './config/config.js';
import { ConversationStore } from './conversation/conversationStore.js';
import { KeyedSerialQueue } from './conversation/keyedSerialQueue.js';
import type { BotContext } from './discord/botContext.js';
import { handleInteraction } from './discord/handleInteraction.js';
import { handleMessage } from './discord/handleMessage.js';
import { NO_PINGS } from './discord/noPings.js';
import { reportUnexpectedError } from './discord/reportUnexpectedError.js';
import { textPayload } from './discord/toMessagePayload.js';
import { BlobStore } from './store/blobStore.js';
import { openStore } from './store/openStore.js';

export interface RunningBot {
  client: Client<true>;
  /** Stops taking work, lets turns in progress finish (up to the grace period), closes the store. */
  stop(graceMs?: number): Promise<void>;
}

const GEMINI_TIMEOUT_MS = 180_000;
const ATTACHMENT_TIMEOUT_MS = 30_000;

export async function startBot(config: Config, logger: Logger): Promise<RunningBot> {
  const store = await openStore(config.databaseUrl);
  const bot: BotContext = {
    config,
    logger,
    conversations: new ConversationStore(store.keyv),
    blobs: new BlobStore(store.keyv),
    gemini: { apiUrl: config.geminiApiUrl, apiKey: config.geminiApiKey, timeoutMs: GEMINI_TIMEOUT_MS },
    attachments: { allowedOrigins: config.attachmentOrigins, maxBytes: config.maxAttachmentBytes, timeoutMs: ATTACHMENT_TIMEOUT_MS },
    threadQueue: new KeyedSerialQueue(),
  };

  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    // DISCORD_API_URL moves REST, and with it GET /gateway/bot and so the gateway.
    rest: { api: config.discordApiUrl },
    allowedMentions: NO_PINGS,
  });
  // Without an error listener an emitted error would crash the process.
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));

  const inFlight = new Set<Promise<unknown>>();
  let accepting = true;
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  client.on(Events.InteractionCreate, (interaction) => {
    if (!accepting) return;
    track(handleInteraction(bot, commands, interaction));
  });
  client.on(Events.MessageCreate, (message) => {
    if (!accepting) return;
    track(
      handleMessage(bot, message).catch(async (error: unknown) => {
        const text = reportUnexpectedError(bot, error, { messageId: message.id, channelId: message.channelId });
        await message.reply(textPayload(text)).catch(() => undefined);
      }),
    );
  });

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.discordToken);
    await ready;
  } catch (error) {
    await client.destroy();
    await store.close();
    throw error;
  }
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'bot is online');

  return {
    client: client as Client<true>,
    async stop(graceMs = 8_000) {
      accepting = false;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
      await client.destroy();
      await store.close();
    },
  };
}
