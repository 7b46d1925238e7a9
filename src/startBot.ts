import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Events, GatewayDispatchEvents, GatewayIntentBits, MessageFlags, Status } from 'discord.js';
import type { Logger } from 'pino';
import { commands } from '../commands/index.js';
import type { Config } from './config/config.js';
import { ConversationStore } from './conversation/conversationStore.js';
import { forgetChannel } from './conversation/forgetChannel.js';
import { forgetThread } from './conversation/forgetThread.js';
import { GeminiSlots } from './limits/geminiSlots.js';
import { ThreadQueue } from './lines/threadQueue.js';
import type { BotContext } from './discord/botContext.js';
import { bufferedUploads } from './discord/bufferedUploads.js';
import { handleInteraction } from './components/handleInteraction.js';
import { claimMessage, handleMessage } from './discord/handleMessage.js';
import { readAddressing } from './discord/readAddressing.js';
import { readChannelDeletion } from './discord/readChannelDeletion.js';
import { readThreadDeletion } from './discord/readThreadDeletion.js';
import { NO_PINGS } from './discord/noPings.js';
import { reportUnexpectedError } from './discord/reportUnexpectedError.js';
import { noMetrics, type BotMetrics, type GeminiCall, type QueueReadings } from './metrics/botMetrics.js';
import { checkHealth } from './metrics/checkHealth.js';
import { startMetricsServer, type MetricsServer } from './metrics/startMetricsServer.js';
import type { PromMetrics } from './metrics/promMetrics.js';
import { textPayload } from './discord/toMessagePayload.js';
import { generateContentTransport } from './transports/generateContentTransport.js';
import type { GeminiTransport } from './turn/geminiTransport.js';
import { interactionsTransport } from './transports/interactionsTransport.js';
import { formSigningKey } from './components/interactionAuthority.js';
import { GuildSettings } from './settings/guildSettings.js';
import { BlobStore } from './store/blobStore.js';
import { openStores } from './store/openStore.js';
import { describeRefusal } from './discord/describeRefusal.js';
import { PriceTable } from './usage/priceTable.js';
import { UsageBudget } from './limits/usageBudget.js';

export interface RunningBot {
  client: Client<true>;
  /** Where /healthz and /metrics answer; undefined without METRICS_PORT. */
  metricsAddress: MetricsServer['address'] | undefined;
  /**
   * Stops taking work, gives turns in progress `graceMs` to finish, then
   * interrupts the rest (their users are told the bot is restarting), and
   * closes the gateway and the stores.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Process managers kill a process about 10 s after SIGTERM; all of stop() must fit well inside. */
const DEFAULT_GRACE_MS = 5_000;
const INTERRUPT_FLUSH_MS = 2_500;
/** A health probe must answer fast; SQLite's busy timeout (5 s) would be too long to wait on. */
const STORE_PROBE_TIMEOUT_MS = 2_000;
/** A message reaches every process on its shard within seconds; an hour's claim outlasts any overlap of two deploys. */
const EVENT_CLAIM_MS = 60 * 60_000;
/** How long a process that is stopping leaves a message to another process before saying it is restarting. */
const RESTARTING_NOTICE_DELAY_MS = 1_500;

export async function startBot(config: Config, logger: Logger): Promise<RunningBot> {
  const shutdown = new AbortController();
  // Every waiting request listens for shutdown; hundreds of listeners here are expected, not a leak.
  setMaxListeners(0, shutdown.signal);
  const geminiSlots = new GeminiSlots({
    concurrency: config.geminiConcurrency,
    perUser: config.maxRequestsPerUser,
    queueLimit: config.geminiQueueLimit,
  });
  // prom-client only for an operator who serves /metrics: without METRICS_PORT nothing could read what it counts,
  // and its code would only lengthen every full garbage collection (botMetrics.ts). Loaded before the stores open,
  // so a failed load leaves no store open behind it.
  const served = config.metricsPort === undefined ? undefined : { port: config.metricsPort, metrics: await loadPromMetrics(geminiSlots) };
  const store = await openStores(config, {
    onError: (error, context) => logger.warn({ err: error, ...context }, 'shared lock trouble: another process may run the same thread or budget meanwhile'),
    signal: shutdown.signal,
  });
  const metrics: BotMetrics = served?.metrics ?? noMetrics;
  // Keyv emits 'error' for every write or delete the store refuses, whichever part of the bot made it.
  store.keyv.on('error', () => metrics.countStoreError());
  if (store.blobKeyv !== store.keyv) store.blobKeyv.on('error', () => metrics.countStoreError());
  const blobs = new BlobStore(store.blobKeyv);
  /** Work no handler waits for that the process must still finish before it exits (see stop). */
  const background = new Set<Promise<unknown>>();
  /** Aborts when stop() begins: that work retries nothing after it, so it ends (and names what it left) before the exit. */
  const stopBegan = new AbortController();
  const keepUntilStopped = (work: Promise<unknown>) => {
    const settled = work.catch(() => undefined);
    background.add(settled);
    void settled.finally(() => background.delete(settled));
  };
  const bot: BotContext = {
    // Only what the handlers read: the secrets stay here.
    config: { allowedModels: config.allowedModels, imageModels: config.imageModels, maxRequestsPerUser: config.maxRequestsPerUser, interactionRetentionMs: config.interactionRetentionMs },
    formSigningKey: formSigningKey(config.discordToken),
    logger,
    conversations: new ConversationStore(store.keyv, blobs, store.lock, logger),
    blobs,
    gemini: geminiTransportFor(config, blobs, logger, metrics, { keepUntilStopped, stopSignal: stopBegan.signal }),
    historyBudgetBytes: config.historyBudgetBytes,
    attachments: { allowedOrigins: config.attachmentOrigins, maxBytes: config.maxAttachmentBytes, timeoutMs: config.attachmentTimeoutMs },
    threadQueue: new ThreadQueue(store.lock),
    geminiSlots,
    shutdownSignal: shutdown.signal,
    guildSettings: new GuildSettings(store.keyv, config, logger),
    usage: new UsageBudget(store.keyv, new PriceTable(config.priceOverrides), {
      lock: store.lock,
      onRecorded: (entry) => metrics.recordSpend(entry),
      onError: (error) => logger.warn({ err: error }, 'could not release a usage hold; it expires by itself'),
    }),
    metrics,
    claimEvent: (eventId) => (store.lock ? store.lock.claimOnce(`event:${eventId}`, EVENT_CLAIM_MS) : Promise.resolve(true)),
  };

  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    // DISCORD_API_URL moves REST, and with it GET /gateway/bot and so the gateway.
    // Files go as one buffer of multipart bytes, not discord.js's Blobs, whose memory V8 does not see (bufferedUploads.ts).
    rest: { api: config.discordApiUrl, makeRequest: bufferedUploads() },
    allowedMentions: NO_PINGS,
  });
  // Without an error listener an emitted error would crash the process.
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));

  const inFlight = new Set<Promise<unknown>>();
  let accepting = true;
  /** Every handler's work, so shutdown can wait for it; a failure is logged here and never left unhandled. */
  const track = (work: Promise<unknown>, context: Record<string, unknown>) => {
    const settled = work.catch((error: unknown) => {
      reportUnexpectedError(bot, error, context);
    });
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));
  };
  const restartingNotice = textPayload(describeRefusal({ kind: 'restarting' }));
  /** "Restarting" notices still to send: not work to interrupt, but waited for before the client goes. */
  const notices = new Set<Promise<void>>();

  client.on(Events.InteractionCreate, (interaction) => {
    if (!accepting) {
      if (interaction.isRepliable()) void interaction.reply({ ...restartingNotice, flags: MessageFlags.Ephemeral }).catch(() => undefined);
      return;
    }
    track(handleInteraction(bot, commands, interaction), { interactionId: interaction.id });
  });
  client.on(Events.MessageCreate, (message) => {
    if (!accepting) {
      if (message.inGuild() && readAddressing(message)) {
        // On a shared store another process (a rolling deploy's new one) may take the message: the notice is for one nobody took.
        const claimed = store.lock ? sleep(RESTARTING_NOTICE_DELAY_MS).then(() => claimMessage(bot, message)) : Promise.resolve(true);
        const notice = claimed.then(async (mine) => {
          if (mine) await message.reply(restartingNotice).catch(() => undefined);
        });
        notices.add(notice);
        void notice.finally(() => notices.delete(notice));
      }
      return;
    }
    // handleMessage tells the member of its own failures; track only logs what could not be told.
    track(handleMessage(bot, message), { messageId: message.id });
  });

  // A deleted thread's conversation goes with it (conversation/forgetThread.ts). While stopping, another process or
  // nobody takes it: a thread deleted while no bot listens is not noticed (the README says so).
  client.ws.on(GatewayDispatchEvents.ThreadDelete, (data: unknown) => {
    if (!accepting) return;
    const thread = readThreadDeletion(data);
    if (!thread) {
      logger.warn({ event: GatewayDispatchEvents.ThreadDelete }, 'a thread deletion from Discord is not shaped as documented; ignored');
      return;
    }
    track(forgetThread(bot, thread), { threadId: thread.threadId, event: GatewayDispatchEvents.ThreadDelete });
  });
  // A deleted channel's threads go with it, with no THREAD_DELETE for each: their conversations are found by the channel.
  client.ws.on(GatewayDispatchEvents.ChannelDelete, (data: unknown) => {
    if (!accepting) return;
    const deletion = readChannelDeletion(data);
    if (deletion.kind === 'malformed') {
      logger.warn({ event: GatewayDispatchEvents.ChannelDelete }, 'a channel deletion from Discord is not shaped as documented; ignored');
      return;
    }
    if (deletion.kind !== 'server-channel') return;
    // This listener runs before discord.js's own handler drops the channel and its threads from the cache: the threads
    // it holds (the active ones) cover records from before a record named its channel, which no list has.
    const cached = client.channels.cache.get(deletion.channel.channelId);
    // Only a channel of the server Discord named: forgetThread checks each record's server too, but a cache entry is no authority.
    const inServer = cached && 'guildId' in cached && cached.guildId === deletion.channel.guildId ? cached : undefined;
    const cachedThreadIds = inServer && 'threads' in inServer ? [...inServer.threads.cache.keys()] : [];
    track(forgetChannel(bot, deletion.channel, cachedThreadIds), { channelId: deletion.channel.channelId, event: GatewayDispatchEvents.ChannelDelete });
  });

  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  let metricsServer: MetricsServer | undefined;
  // Both stores: a bot whose image store (BLOB_URL) is gone cannot replay a single thread. Usually they are one.
  const probedStores = store.blobKeyv === store.keyv ? [store.keyv] : [store.keyv, store.blobKeyv];
  try {
    // Before the login: a port already in use stops the start before the bot is seen online (/healthz says 503 until ready).
    if (served) {
      metricsServer = await startMetricsServer({
        host: config.metricsHost,
        port: served.port,
        registry: served.metrics.registry,
        logger,
        checkHealth: () =>
          checkHealth({
            // The manager's own status stays Ready after the first connection; the shards' follow every drop and resume.
            gatewayReady: () => client.ws.shards.size > 0 && client.ws.shards.every((shard) => shard.status === Status.Ready),
            readStore: () => Promise.all(probedStores.map((keyv) => keyv.get('health:probe'))),
            storeTimeoutMs: STORE_PROBE_TIMEOUT_MS,
          }),
      }).catch((error: unknown) => {
        throw new Error(`METRICS_PORT: cannot listen on ${config.metricsHost}:${config.metricsPort}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    await client.login(config.discordToken);
    await ready;
  } catch (error) {
    await metricsServer?.close();
    await client.destroy();
    await store.close();
    throw error;
  }
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'bot is online');

  const settleWithin = (ms: number) =>
    Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, ms).unref())]);

  let stopping: Promise<void> | undefined;
  const stop = async (graceMs: number) => {
    accepting = false;
    stopBegan.abort();
    await settleWithin(graceMs);
    if (inFlight.size > 0) {
      logger.warn({ interrupted: inFlight.size }, 'interrupting requests still in progress');
      shutdown.abort();
      await settleWithin(INTERRUPT_FLUSH_MS);
    }
    // The deletions at Google of interactions no conversation names (a discarded answer's, a cut call's): the exit would
    // cut them off. They retry nothing since stopBegan, so each ends within its first DELETE's bound and names what it left.
    if (background.size > 0) logger.info({ deletions: background.size }, 'waiting for Google to answer the deletion of interactions no conversation names');
    // A notice for a message that came in the last moment still goes out (bounded: the process must exit within 10 s).
    await Promise.race([Promise.allSettled([...notices, ...background]), sleep(RESTARTING_NOTICE_DELAY_MS + 500, undefined, { ref: false })]);
    await client.destroy();
    await store.close();
    await metricsServer?.close();
    logger.info('bot stopped');
  };

  return {
    client: client as Client<true>,
    metricsAddress: metricsServer?.address,
    // Every caller (SIGTERM and SIGINT both, say) waits for the one shutdown.
    stop: (graceMs = DEFAULT_GRACE_MS) => (stopping ??= stop(graceMs)),
  };
}

/** Loaded by dynamic import, so that a bot without METRICS_PORT never loads prom-client (test/store/lazyBackends.test.ts). */
async function loadPromMetrics(queue: QueueReadings): Promise<PromMetrics> {
  const promMetrics = await import('./metrics/promMetrics.js');
  // The process metrics (CPU, memory, event loop lag, GC) too: this bot serves them.
  return new promMetrics.PromMetrics({ queue, processMetrics: true });
}

/** Gemini behind the API the operator chose (GEMINI_API); both speak the same turn. */
function geminiTransportFor(
  config: Config,
  blobs: BlobStore,
  logger: Logger,
  metrics: BotMetrics,
  background: { keepUntilStopped: (work: Promise<unknown>) => void; stopSignal: AbortSignal },
): GeminiTransport {
  const client = {
    apiUrl: config.geminiApiUrl,
    apiKey: config.geminiApiKey,
    timeoutMs: config.geminiTimeoutMs,
    stream: config.streamAnswers,
    stallMs: config.geminiStallMs,
    onCallFinished: (call: GeminiCall) => metrics.observeGeminiCall(call),
  };
  if (config.geminiApi === 'interactions') {
    return interactionsTransport({ client, blobs, retryBaseDelayMs: config.retryBaseDelayMs, retentionMs: config.interactionRetentionMs, logger, ...background });
  }
  return generateContentTransport({ client, blobs, retryBaseDelayMs: config.retryBaseDelayMs, logger });
}
