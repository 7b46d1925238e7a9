import { z } from 'zod';

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

const positiveNumber = z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0');
const positiveInteger = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be at least 1');

const environmentSchema = z.object({
  DISCORD_TOKEN: z.string({ error: 'is required' }).min(1, 'is required'),
  GEMINI_API_KEY: z.string({ error: 'is required' }).min(1, 'is required'),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  GEMINI_API_URL: httpUrl.default('https://generativelanguage.googleapis.com/v1beta'),
  GEMINI_MODEL: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a model id such as gemini-3-pro-image')
    .default('gemini-3-pro-image'),
  ATTACHMENT_ORIGINS: originList.default(['https://cdn.discordapp.com', 'https://media.discordapp.net']),
  DATABASE_URL: z
    .string()
    .regex(/^sqlite:\/\/.+/, 'must be a sqlite:// URL such as sqlite://data/bot.sqlite')
    .default('sqlite://data/bot.sqlite'),
  DISCORD_GUILD_ID: snowflake.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_ATTACHMENT_MB: positiveNumber.default(20),
  GEMINI_TIMEOUT_SECONDS: positiveNumber.default(180),
  ATTACHMENT_TIMEOUT_SECONDS: positiveNumber.default(30),
  GEMINI_CONCURRENCY: positiveInteger.default(4),
  MAX_REQUESTS_PER_USER: positiveInteger.default(2),
  GEMINI_QUEUE_LIMIT: positiveInteger.default(100),
  HISTORY_BUDGET_MB: positiveNumber.max(100, 'must stay under Gemini\'s 100 MB request limit').default(50),
});

export interface Config {
  discordToken: string;
  geminiApiKey: string;
  discordApiUrl: string;
  geminiApiUrl: string;
  geminiModel: string;
  attachmentOrigins: string[];
  databaseUrl: string;
  discordGuildId: string | undefined;
  logLevel: z.infer<typeof environmentSchema>['LOG_LEVEL'];
  /** Largest attachment we download, in bytes. */
  maxAttachmentBytes: number;
  geminiTimeoutMs: number;
  attachmentTimeoutMs: number;
  /** Gemini calls in flight at once, across all servers; the rest wait in a queue. */
  geminiConcurrency: number;
  /** Requests one member may have queued or running at once. */
  maxRequestsPerUser: number;
  /** Requests that may wait for Gemini before new ones are turned away. */
  geminiQueueLimit: number;
  /** The largest history we send; older whole turns are left out beyond it. */
  historyBudgetBytes: number;
  /** First delay of the exponential backoff between Gemini retries (tests shorten it). */
  retryBaseDelayMs: number;
}

const MEGABYTE = 1024 * 1024;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function parseConfig(source: Record<string, string | undefined>): ConfigResult {
  // An empty value in .env (`DISCORD_GUILD_ID=`) means "not set", not "set to nothing".
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`);
    return { ok: false, problems };
  }
  const env = parsed.data;
  return {
    ok: true,
    config: {
      discordToken: env.DISCORD_TOKEN,
      geminiApiKey: env.GEMINI_API_KEY,
      discordApiUrl: env.DISCORD_API_URL,
      geminiApiUrl: env.GEMINI_API_URL,
      geminiModel: env.GEMINI_MODEL,
      attachmentOrigins: env.ATTACHMENT_ORIGINS,
      databaseUrl: env.DATABASE_URL,
      discordGuildId: env.DISCORD_GUILD_ID,
      logLevel: env.LOG_LEVEL,
      maxAttachmentBytes: Math.round(env.MAX_ATTACHMENT_MB * MEGABYTE),
      geminiTimeoutMs: Math.round(env.GEMINI_TIMEOUT_SECONDS * 1000),
      attachmentTimeoutMs: Math.round(env.ATTACHMENT_TIMEOUT_SECONDS * 1000),
      geminiConcurrency: env.GEMINI_CONCURRENCY,
      maxRequestsPerUser: env.MAX_REQUESTS_PER_USER,
      geminiQueueLimit: env.GEMINI_QUEUE_LIMIT,
      historyBudgetBytes: Math.round(env.HISTORY_BUDGET_MB * MEGABYTE),
      retryBaseDelayMs: 1_000,
    },
  };
}
