import { z } from 'zod';
import { ASPECT_RATIOS, checkImageOptions, IMAGE_SIZES, ModelTable, type ModelRange } from '../gemini/imageOptions.js';
import { storeBackend } from '../store/storeUrl.js';
import {
  bytesFromMegabytes, httpUrl, imageOption, millisecondsFromHours, millisecondsFromSeconds, modelId, modelList, modelOptionsJson,
  nonNegativeInteger, nonNegativeNumber, onOff, originList, positiveInteger, positiveNumber, priceTableJson, requiredText,
  shardCount, snowflake, storeUrl, timeoutSeconds,
} from './settingReaders.js';

/** One environment variable: its name (the operators' public interface: keep it exactly) and how its text is read, default included. */
function variable<Name extends string, Reader extends z.ZodType>(name: Name, read: Reader) {
  return { name, read };
}

/**
 * Every setting the bot reads from its environment, defined once: the name
 * the code reads it by, the variable that sets it, how its text is read and
 * its default. Config is derived from this table, parsed once at start from
 * an injectable source (process.env in production, a plain object in tests).
 */
const settings = {
  discordToken: variable('DISCORD_TOKEN', requiredText),
  geminiApiKey: variable('GEMINI_API_KEY', requiredText),
  discordApiUrl: variable('DISCORD_API_URL', httpUrl.default('https://discord.com/api')),
  geminiApiUrl: variable('GEMINI_API_URL', httpUrl.default('https://generativelanguage.googleapis.com/v1beta')),
  /**
   * Which Gemini API carries the turns: generateContent (the bot sends the whole history) or Interactions (Google keeps it).
   * generateContent until the Interactions path has run against the real service (README: Choosing the Gemini API).
   */
  geminiApi: variable('GEMINI_API', z.enum(['generate-content', 'interactions'], { error: 'must be generate-content or interactions' }).default('generate-content')),
  /**
   * How long Google keeps a stored interaction, as the operator declares it: an older one is not continued from.
   * The free tier keeps stored interactions 1 day, the paid tier 55 days; past this the bot replays the history itself.
   */
  interactionRetentionMs: variable('GEMINI_INTERACTION_RETENTION_HOURS', positiveNumber.default(24).transform(millisecondsFromHours)),
  /** The default model for new conversations; always in allowedModels. */
  geminiModel: variable('GEMINI_MODEL', modelId.default('gemini-3-pro-image')),
  /** Models a server admin may choose with /settings model; the default model joins them below. */
  allowedModels: variable('GEMINI_MODELS', modelList.default(['gemini-3-pro-image', 'gemini-3.1-flash-image'])),
  /** Image options for servers that chose none (undefined: Gemini's own default). */
  defaultAspectRatio: variable('DEFAULT_ASPECT_RATIO', imageOption(ASPECT_RATIOS).optional()),
  defaultImageSize: variable('DEFAULT_IMAGE_SIZE', imageOption(IMAGE_SIZES).optional()),
  /**
   * What each model makes: the built-in table (src/gemini/imageOptions.ts) with GEMINI_MODEL_OPTIONS over it.
   * Unset: the built-in table alone; a model it lacks gets the cautious range.
   */
  imageModels: variable('GEMINI_MODEL_OPTIONS', modelOptionsJson.optional().transform((declared) => new ModelTable(declared))),
  /** Images one member may make per UTC day in a server; 0 means no limit. */
  dailyImageLimit: variable('DAILY_IMAGE_LIMIT', nonNegativeInteger.default(0)),
  /** Estimated spend allowed per server per UTC month, in USD; 0 means no budget. */
  monthlyBudgetUsd: variable('MONTHLY_BUDGET_USD', nonNegativeNumber.default(0)),
  /** Whether members watch Gemini's sketches while it draws, in servers that chose neither way (/settings previews). */
  previews: variable('PREVIEWS', onOff.default(true)),
  /** Admin corrections to the built-in price table (src/usage/priceTable.ts). */
  priceOverrides: variable('PRICE_TABLE', priceTableJson.default({})),
  /** The only origins an attachment is ever downloaded from. */
  attachmentOrigins: variable('ATTACHMENT_ORIGINS', originList.default(['https://cdn.discordapp.com', 'https://media.discordapp.net'])),
  /** Conversations, settings, usage and buttons' state. */
  databaseUrl: variable('DATABASE_URL', storeUrl.default('sqlite://data/bot.sqlite')),
  /** Image bytes. Unset: blobs go where DATABASE_URL says (below). */
  blobUrl: variable('BLOB_URL', storeUrl.optional()),
  /** Set: deploy-commands registers to this server only. */
  discordGuildId: variable('DISCORD_GUILD_ID', snowflake.optional()),
  logLevel: variable('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  /** Largest attachment we download. */
  maxAttachmentBytes: variable('MAX_ATTACHMENT_MB', positiveNumber.default(20).transform(bytesFromMegabytes)),
  geminiTimeoutMs: variable('GEMINI_TIMEOUT_SECONDS', timeoutSeconds.default(180).transform(millisecondsFromSeconds)),
  attachmentTimeoutMs: variable('ATTACHMENT_TIMEOUT_SECONDS', timeoutSeconds.default(30).transform(millisecondsFromSeconds)),
  /** Gemini calls in flight at once, across all servers; the rest wait in a queue. */
  geminiConcurrency: variable('GEMINI_CONCURRENCY', positiveInteger.default(4)),
  /** Requests one member may have queued or running at once. */
  maxRequestsPerUser: variable('MAX_REQUESTS_PER_USER', positiveInteger.default(2)),
  /** Requests that may wait for Gemini before new ones are turned away. */
  geminiQueueLimit: variable('GEMINI_QUEUE_LIMIT', positiveInteger.default(100)),
  /**
   * The largest history we send; older whole turns are left out beyond it.
   * 20 MB keeps a long thread of 4K images affordable in memory; Gemini itself takes up to 100 MB.
   */
  historyBudgetBytes: variable('HISTORY_BUDGET_MB', positiveNumber.max(100, 'must stay under Gemini\'s 100 MB request limit').default(20).transform(bytesFromMegabytes)),
  /** Port of the /healthz and /metrics server. Unset: no HTTP server at all. 0 lets the OS pick a port (tests). */
  metricsPort: variable('METRICS_PORT', nonNegativeInteger.max(65_535, 'must be a port number (0 to 65535)').optional()),
  /** Loopback by default: /metrics shows spend, so reaching it from elsewhere is a choice (the container image makes it). */
  metricsHost: variable('METRICS_HOST', z.string().min(1).default('127.0.0.1')),
  /** Unset: one process. Otherwise a ShardingManager runs this many shard processes ('auto': as Discord recommends). */
  shards: variable('SHARDS', shardCount.optional()),
};

type Settings = typeof settings;
type EnvironmentShape = { [Key in keyof Settings as Settings[Key]['name']]: Settings[Key]['read'] };
type FromEnvironment = { [Key in keyof Settings]: z.output<Settings[Key]['read']> };

/** Settings with no variable: only tests and the bench change them. */
const fixed = {
  /** First delay of the exponential backoff between Gemini retries. */
  retryBaseDelayMs: 1_000,
  /** Ask Gemini for its answer as a stream (streamGenerateContent), so sketches can be shown while it draws. The bench turns it off to measure what streaming costs against the answer in one piece. */
  streamAnswers: true,
  /**
   * A streamed answer silent this long after its first chunk gives up (a timeout). Gemini sends its thoughts
   * and sketches seconds apart; a minute of silence mid-answer is a stuck connection. Before the first chunk
   * only the call's deadline applies: asked without drafts, Gemini may say nothing until a long render is done.
   */
  geminiStallMs: 60_000,
};

const environmentSchema = z
  .object(Object.fromEntries(Object.values(settings).map(({ name, read }) => [name, read])) as EnvironmentShape)
  .superRefine((env, context) => {
    // Shard processes share the records store. SQLite's thread and budget locks live inside one process, so
    // two shards (or an old and a new one overlapping during a restart) could run one thread's turns or one
    // server's budget at once without knowing it: refuse at start rather than be silently wrong.
    if (env.SHARDS !== undefined && storeBackend(env.DATABASE_URL) === 'sqlite') {
      context.addIssue({ code: 'custom', path: ['SHARDS'], message: 'needs a store shared by every shard process: set DATABASE_URL to postgres://… or redis://… (SQLite has no cross-process locks; see "Choosing a store" in the README)' });
    }
    // A default the default model does not take would be refused on every new image: say so at start.
    const range = env.GEMINI_MODEL_OPTIONS.rangeOf(env.GEMINI_MODEL);
    const checked = checkImageOptions(range, { aspectRatio: env.DEFAULT_ASPECT_RATIO, imageSize: env.DEFAULT_IMAGE_SIZE });
    if (!checked.ok) {
      const { option, value, accepted } = checked.problem;
      const path = option === 'aspect-ratio' ? 'DEFAULT_ASPECT_RATIO' : 'DEFAULT_IMAGE_SIZE';
      const message = range.known
        ? `${value} is not made by ${env.GEMINI_MODEL} (GEMINI_MODEL); it makes ${accepted.join(', ')}`
        : // A deployment whose model the table lacks (its 2K worked before the table came): name the way out.
          `${value} may not be made by ${env.GEMINI_MODEL} (GEMINI_MODEL): the bot's table of models does not know it, so it allows only ${accepted.join(', ')}. ` +
          `If the model makes ${value}, declare what it makes in GEMINI_MODEL_OPTIONS, for example GEMINI_MODEL_OPTIONS=${declarationExample(env.GEMINI_MODEL, range, option, value)}`;
      context.addIssue({ code: 'custom', path: [path], message });
    }
  })
  .transform((env) => {
    const values: Record<string, unknown> = env;
    const read = Object.fromEntries(Object.entries(settings).map(([key, { name }]) => [key, values[name]])) as FromEnvironment;
    return {
      ...read,
      // The two settings made of more than one variable.
      /** The default model is always allowed, or a server could never go back to it. */
      allowedModels: read.allowedModels.includes(read.geminiModel) ? read.allowedModels : [read.geminiModel, ...read.allowedModels],
      /** Image bytes; the same as databaseUrl unless BLOB_URL is set. */
      blobUrl: read.blobUrl ?? read.databaseUrl,
      ...fixed,
    };
  });

/** Every setting the bot reads, by the names the code uses. */
export type Config = z.output<typeof environmentSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function parseConfig(source: Record<string, string | undefined>): ConfigResult {
  // An empty value in .env (`DISCORD_GUILD_ID=`) means "not set", not "set to nothing".
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`) };
}

/** A GEMINI_MODEL_OPTIONS value declaring `model` with `value` added to the range it has now, for the operator to adjust. */
function declarationExample(model: string, range: ModelRange, option: 'aspect-ratio' | 'size', value: string): string {
  const aspectRatios = option === 'aspect-ratio' ? [...range.aspectRatios, value] : range.aspectRatios;
  const imageSizes = option === 'size' ? [...range.imageSizes, value] : range.imageSizes;
  return JSON.stringify({ [model]: { aspectRatios, imageSizes } });
}
