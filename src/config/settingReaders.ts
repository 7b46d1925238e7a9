import { z } from 'zod';
import { declaredRangeSchema, spelledAsGemini, type DeclaredRange } from '../gemini/imageOptions.js';
import { STORE_URL_EXAMPLES, storeBackend } from '../store/storeUrl.js';
import { priceOverridesSchema, type PriceOverrides } from '../usage/priceTable.js';

/**
 * How each kind of text an operator types in an environment variable is read.
 * The messages are the operators' public interface (the bot prints them at
 * start after the variable's name): keep them exactly.
 */
export const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');

export const originList = z
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

export const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

export const modelId = z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be a model id such as gemini-3-pro-image');

export const modelList = z.string().transform((value, context) => {
  const models = value.split(',').map((item) => item.trim()).filter(Boolean);
  for (const model of models) {
    if (!modelId.safeParse(model).success) context.addIssue({ code: 'custom', message: `"${model}" is not a model id such as gemini-3-pro-image` });
  }
  return [...new Set(models)];
});

/** PRICE_TABLE is JSON in an environment variable: parse the text, then hold it to the price schema. */
export const priceTableJson = z.string().transform((value, context): PriceOverrides => {
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
export const modelOptionsJson = z.string().transform((value, context): Record<string, DeclaredRange> => {
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
export function imageOption<T extends string>(values: readonly T[]) {
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
export const storeUrl = z.string().refine((url) => storeBackend(url) !== undefined, `must be a sqlite://, postgres://, postgresql://, redis:// or rediss:// URL such as ${STORE_URL_EXAMPLES}`);

/** SHARDS: `auto` (Discord's recommendation) or a whole number of shard processes. */
export const shardCount = z.string().transform((value, context): 'auto' | number => {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const count = Number(value);
  if (Number.isInteger(count) && count >= 1) return count;
  context.addIssue({ code: 'custom', message: 'must be auto or a whole number of shards (1 or more)' });
  return z.NEVER;
});

export const nonNegativeNumber = z.coerce.number({ error: 'must be a number' }).nonnegative('must be 0 or more');
export const nonNegativeInteger = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').nonnegative('must be 0 or more');
export const positiveNumber = z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0');
/** Node timers (AbortSignal.timeout) overflow past 2^31-1 ms and then fire at once: every call would time out. */
export const timeoutSeconds = positiveNumber.max(2_147_483, 'must be under 24 days');
export const positiveInteger = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be at least 1');

/** A switch an operator writes as on or off (true and false also read). */
export const onOff = z.string().transform((value, context): boolean => {
  const word = value.trim().toLowerCase();
  if (word === 'on' || word === 'true') return true;
  if (word === 'off' || word === 'false') return false;
  context.addIssue({ code: 'custom', message: 'must be on or off' });
  return z.NEVER;
});

/** A secret the bot cannot start without. */
export const requiredText = z.string({ error: 'is required' }).min(1, 'is required');

const MEGABYTE = 1024 * 1024;
export const bytesFromMegabytes = (megabytes: number): number => Math.round(megabytes * MEGABYTE);
export const millisecondsFromSeconds = (seconds: number): number => Math.round(seconds * 1000);
export const millisecondsFromHours = (hours: number): number => Math.round(hours * 3_600_000);
