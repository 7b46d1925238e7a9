import { z } from 'zod';
import { ASPECT_RATIOS, checkImageOptions, declaredRangeSchema, IMAGE_SIZES, ModelTable, spelledAsGemini, type DeclaredRange, type ModelRange } from '../gemini/imageOptions.js';
import { STORE_URL_EXAMPLES, storeBackend } from '../store/storeUrl.js';
import { priceOverridesSchema, type PriceOverrides } from '../usage/priceTable.js';

/**
 * Every setting the bot reads, parsed once at start from an injectable
 * source (process.env in production, a plain object in tests). Names and
 * defaults are the operators' public interface: keep them exactly.
 */
const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');

const originList = z
  .string()
  .transform((value, context) => {
    const origins: string[] = [];
    for (const entry of value.split(',').map((item) => item.trim()).filter(Boolean)) {
      try {
        const url = new URL(entry);
        // A bare origin only: a path here would suggest a prefix match we do not do.
        if (url.pathname !== '/' || url.search || url.hash) throw new Error('not an origin');
        origins.push(url.origin);
      } catch {
        context.addIssue({ code: 'custom', message: `"${entry}" is not an origin like https://cdn.discordapp.com` });
      }
    }
    if (origins.length === 0) context.addIssue({ code: 'custom', message: 'must list at least one origin' });
    return origins;
  });

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

const modelId = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a model id such as gemini-3-pro-image');

const modelList = z.string().transform((value, context) => {
  const models = value.split(',').map((item) => item.trim()).filter(Boolean);
  for (const model of models) {
    if (!modelId.safeParse(model).success) context.addIssue({ code: 'custom', message: `"${model}" is not a model id such as gemini-3-pro-image` });
  }
  return [...new Set(models)];
});

/** PRICE_TABLE is JSON in an environment variable: parse the text, then hold it to the price schema. */
const priceTableJson = z.string().transform((value, context): PriceOverrides => {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    context.addIssue({ code: 'custom', message: 'must be JSON such as {"gemini-3-pro-image":{"1K":0.134,"4K":0.24}}' });
    return z.NEVER;
  }
  const parsed = priceOverridesSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) context.addIssue({ code: 'custom', message: `${issue.path.join('.')}: ${issue.message}` });
    return z.NEVER;
  }
  return parsed.data;
});

const MODEL_OPTIONS_EXAMPLE = '{"gemini-nano-banana-2.1":{"aspectRatios":["1:1","16:9"],"imageSizes":["1K","2K"]}}';

/** GEMINI_MODEL_OPTIONS is JSON in an environment variable: what models the built-in table lacks make. */
const modelOptionsJson = z.string().transform((value, context): Record<string, DeclaredRange> => {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    context.addIssue({ code: 'custom', message: `must be JSON such as ${MODEL_OPTIONS_EXAMPLE}` });
    return z.NEVER;
  }
  const parsed = z.record(z.string(), declaredRangeSchema).safeParse(json);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'the value'}: ${issue.message}`);
  // Checked here rather than as the record's key schema, whose message would not name the rule.
  for (const model of parsed.success ? Object.keys(parsed.data) : []) {
    if (!modelId.safeParse(model).success) problems.push(`${model}: must be a model id such as gemini-3-pro-image`);
  }
  if (!parsed.success || problems.length > 0) {
    for (const message of problems) context.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
  return parsed.data;
});

/** An image option an operator types: Gemini's spelling is fixed, so "2k" is read as "2K". */
function imageOption<T extends string>(values: readonly T[]) {
  return z.string().transform((value, context): T => {
    const spelled = spelledAsGemini(values, value);
    if (spelled === undefined) {
      context.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
      return z.NEVER;
    }
    return spelled;
  });
}

// The message never repeats the value: a store URL usually carries a password.
const storeUrl = z.string().refine((url) => storeBackend(url) !== undefined, `must be a sqlite://, postgres://, postgresql://, redis:// or rediss:// URL such as ${STORE_URL_EXAMPLES}`);

/** SHARDS: `auto` (Discord's recommendation) or a whole number of shard processes. */
const shardCount = z.string().transform((value, context): 'auto' | number => {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const count = Number(value);
  if (Number.isInteger(count) && count >= 1) return count;
  context.addIssue({ code: 'custom', message: 'must be auto or a whole number of shards (1 or more)' });
  return z.NEVER;
});

const nonNegativeNumber = z.coerce.number({ error: 'must be a number' }).nonnegative('must be 0 or more');
const nonNegativeInteger = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').nonnegative('must be 0 or more');
const positiveNumber = z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0');
/** Node timers (AbortSignal.timeout) overflow past 2^31-1 ms and then fire at once: every call would time out. */
const timeoutSeconds = positiveNumber.max(2_147_483, 'must be under 24 days');
const positiveInteger = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be at least 1');

/** A switch an operator writes as on or off (true and false also read). */
const onOff = z.string().transform((value, context): boolean => {
  const word = value.trim().toLowerCase();
  if (word === 'on' || word === 'true') return true;
  if (word === 'off' || word === 'false') return false;
  context.addIssue({ code: 'custom', message: 'must be on or off' });
  return z.NEVER;
});

const MEGABYTE = 1024 * 1024;
const bytesFromMegabytes = (megabytes: number): number => Math.round(megabytes * MEGABYTE);
const millisecondsFromSeconds = (seconds: number): number => Math.round(seconds * 1000);

/**
 * The environment variables (name, validation, default), then the Config the
 * code reads, which is this schema's output: a setting is added here once.
 */
const configSchema = z
  .object({
    DISCORD_TOKEN: z.string({ error: 'is required' }).min(1, 'is required'),
    GEMINI_API_KEY: z.string({ error: 'is required' }).min(1, 'is required'),
    DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
    GEMINI_API_URL: httpUrl.default('https://generativelanguage.googleapis.com/v1beta'),
    // generateContent until the Interactions path has run against the real service (README: Choosing the Gemini API).
    GEMINI_API: z.enum(['generate-content', 'interactions'], { error: 'must be generate-content or interactions' }).default('generate-content'),
    // The free tier keeps stored interactions 1 day, the paid tier 55 days; past this the bot replays the history itself.
    GEMINI_INTERACTION_RETENTION_HOURS: positiveNumber.default(24),
    GEMINI_MODEL: modelId.default('gemini-3-pro-image'),
    GEMINI_MODELS: modelList.default(['gemini-3-pro-image', 'gemini-3.1-flash-image']),
    DEFAULT_ASPECT_RATIO: imageOption(ASPECT_RATIOS).optional(),
    DEFAULT_IMAGE_SIZE: imageOption(IMAGE_SIZES).optional(),
    // Unset: the built-in table alone (src/gemini/imageOptions.ts); a model it lacks gets the cautious range.
    GEMINI_MODEL_OPTIONS: modelOptionsJson.optional(),
    DAILY_IMAGE_LIMIT: nonNegativeInteger.default(0),
    MONTHLY_BUDGET_USD: nonNegativeNumber.default(0),
    PREVIEWS: onOff.default(true),
    PRICE_TABLE: priceTableJson.optional(),
    ATTACHMENT_ORIGINS: originList.default(['https://cdn.discordapp.com', 'https://media.discordapp.net']),
    DATABASE_URL: storeUrl.default('sqlite://data/bot.sqlite'),
    // Unset: blobs go where DATABASE_URL says.
    BLOB_URL: storeUrl.optional(),
    DISCORD_GUILD_ID: snowflake.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    MAX_ATTACHMENT_MB: positiveNumber.default(20),
    GEMINI_TIMEOUT_SECONDS: timeoutSeconds.default(180),
    ATTACHMENT_TIMEOUT_SECONDS: timeoutSeconds.default(30),
    GEMINI_CONCURRENCY: positiveInteger.default(4),
    MAX_REQUESTS_PER_USER: positiveInteger.default(2),
    GEMINI_QUEUE_LIMIT: positiveInteger.default(100),
    // 20 MB keeps a long thread of 4K images affordable in memory; Gemini itself takes up to 100 MB.
    HISTORY_BUDGET_MB: positiveNumber.max(100, 'must stay under Gemini\'s 100 MB request limit').default(20),
    // Unset: no HTTP server at all. 0 lets the OS pick a port (tests).
    METRICS_PORT: nonNegativeInteger.max(65_535, 'must be a port number (0 to 65535)').optional(),
    // Loopback by default: /metrics shows spend, so reaching it from elsewhere is a choice (the container image makes it).
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    // Unset: one process, no sharding manager.
    SHARDS: shardCount.optional(),
  })
  .superRefine((env, context) => {
    // Shard processes share the records store. SQLite's thread and budget locks live inside one process, so
    // two shards (or an old and a new one overlapping during a restart) could run one thread's turns or one
    // server's budget at once without knowing it: refuse at start rather than be silently wrong.
    if (env.SHARDS !== undefined && storeBackend(env.DATABASE_URL) === 'sqlite') {
      context.addIssue({ code: 'custom', path: ['SHARDS'], message: 'needs a store shared by every shard process: set DATABASE_URL to postgres://… or redis://… (SQLite has no cross-process locks; see "Choosing a store" in the README)' });
    }
    // A default the default model does not take would be refused on every new image: say so at start.
    const range = new ModelTable(env.GEMINI_MODEL_OPTIONS).rangeOf(env.GEMINI_MODEL);
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
  .transform((env) => ({
    discordToken: env.DISCORD_TOKEN,
    geminiApiKey: env.GEMINI_API_KEY,
    discordApiUrl: env.DISCORD_API_URL,
    geminiApiUrl: env.GEMINI_API_URL,
    /** Which Gemini API carries the turns: generateContent (the bot sends the whole history) or Interactions (Google keeps it). */
    geminiApi: env.GEMINI_API,
    /** How long Google keeps a stored interaction, as the operator declares it: an older one is not continued from. */
    interactionRetentionMs: Math.round(env.GEMINI_INTERACTION_RETENTION_HOURS * 3_600_000),
    /** The default model for new conversations; always in allowedModels. */
    geminiModel: env.GEMINI_MODEL,
    /** Models a server admin may choose with /settings model. The default model is always one of them, or a server could never go back to it. */
    allowedModels: env.GEMINI_MODELS.includes(env.GEMINI_MODEL) ? env.GEMINI_MODELS : [env.GEMINI_MODEL, ...env.GEMINI_MODELS],
    /** What each model makes: the built-in table with GEMINI_MODEL_OPTIONS over it. */
    imageModels: new ModelTable(env.GEMINI_MODEL_OPTIONS),
    /** Image options for servers that chose none (undefined: Gemini's own default). */
    defaultAspectRatio: env.DEFAULT_ASPECT_RATIO,
    defaultImageSize: env.DEFAULT_IMAGE_SIZE,
    /** Images one member may make per UTC day in a server; 0 means no limit. */
    dailyImageLimit: env.DAILY_IMAGE_LIMIT,
    /** Estimated spend allowed per server per UTC month, in USD; 0 means no budget. */
    monthlyBudgetUsd: env.MONTHLY_BUDGET_USD,
    /** Whether members watch Gemini's sketches while it draws, in servers that chose neither way (/settings previews). */
    previews: env.PREVIEWS,
    /** Admin corrections to the built-in price table (src/usage/priceTable.ts). */
    priceOverrides: env.PRICE_TABLE ?? {},
    /** The only origins an attachment is ever downloaded from. */
    attachmentOrigins: env.ATTACHMENT_ORIGINS,
    /** Conversations, settings, usage and buttons' state. */
    databaseUrl: env.DATABASE_URL,
    /** Image bytes; the same as databaseUrl unless BLOB_URL is set. */
    blobUrl: env.BLOB_URL ?? env.DATABASE_URL,
    /** Set: deploy-commands registers to this server only. */
    discordGuildId: env.DISCORD_GUILD_ID,
    logLevel: env.LOG_LEVEL,
    /** Largest attachment we download. */
    maxAttachmentBytes: bytesFromMegabytes(env.MAX_ATTACHMENT_MB),
    geminiTimeoutMs: millisecondsFromSeconds(env.GEMINI_TIMEOUT_SECONDS),
    attachmentTimeoutMs: millisecondsFromSeconds(env.ATTACHMENT_TIMEOUT_SECONDS),
    /** Gemini calls in flight at once, across all servers; the rest wait in a queue. */
    geminiConcurrency: env.GEMINI_CONCURRENCY,
    /** Requests one member may have queued or running at once. */
    maxRequestsPerUser: env.MAX_REQUESTS_PER_USER,
    /** Requests that may wait for Gemini before new ones are turned away. */
    geminiQueueLimit: env.GEMINI_QUEUE_LIMIT,
    /** The largest history we send; older whole turns are left out beyond it. */
    historyBudgetBytes: bytesFromMegabytes(env.HISTORY_BUDGET_MB),
    /** Port of the /healthz and /metrics server; undefined: no server. */
    metricsPort: env.METRICS_PORT,
    metricsHost: env.METRICS_HOST,
    /** Unset: one process. Otherwise a ShardingManager runs this many shard processes ('auto': as Discord recommends). */
    shards: env.SHARDS,
    /** First delay of the exponential backoff between Gemini retries. No variable: only tests shorten it. */
    retryBaseDelayMs: 1_000,
    /**
     * Ask Gemini for its answer as a stream (streamGenerateContent), so sketches can be shown while it draws.
     * No variable: the bench turns it off to measure what streaming costs against the answer in one piece.
     */
    streamAnswers: true,
    /**
     * A streamed answer silent this long after its first chunk gives up (a timeout). Gemini sends its thoughts
     * and sketches seconds apart; a minute of silence mid-answer is a stuck connection. Before the first chunk
     * only the call's deadline applies: asked without drafts, Gemini may say nothing until a long render is done.
     * No variable: only tests shorten it.
     */
    geminiStallMs: 60_000,
  }));

/** Every setting the bot reads, by the names the code uses. */
export type Config = z.output<typeof configSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function parseConfig(source: Record<string, string | undefined>): ConfigResult {
  // An empty value in .env (`DISCORD_GUILD_ID=`) means "not set", not "set to nothing".
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`) };
}

/** A GEMINI_MODEL_OPTIONS value declaring `model` with `value` added to the range it has now, for the operator to adjust. */
function declarationExample(model: string, range: ModelRange, option: 'aspect-ratio' | 'size', value: string): string {
  const aspectRatios = option === 'aspect-ratio' ? [...range.aspectRatios, value] : range.aspectRatios;
  const imageSizes = option === 'size' ? [...range.imageSizes, value] : range.imageSizes;
  return JSON.stringify({ [model]: { aspectRatios, imageSizes } });
}
