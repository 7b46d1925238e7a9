/** The backends DATABASE_URL and BLOB_URL may name, by URL scheme. */
export type StoreBackend = 'sqlite' | 'postgres' | 'redis';

const BACKEND_BY_PROTOCOL: Record<string, StoreBackend> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'redis:': 'redis',
  // rediss:// is Redis over TLS (managed Redis services require it).
  'rediss:': 'redis',
};

export const STORE_URL_EXAMPLES = 'sqlite://data/bot.sqlite, postgres://user:password@host:5432/bot or redis://host:6379';

/** Which backend a URL names; undefined for anything else, so configuration can refuse it before start. */
export function storeBackend(url: string): StoreBackend | undefined {
  // sqlite:// is followed by a file path, not a host: `sqlite://data/bot.sqlite` is relative to the working folder.
  if (/^sqlite:\/\/.+/.test(url)) return 'sqlite';
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || parsed.hostname === '') return undefined;
  return BACKEND_BY_PROTOCOL[parsed.protocol];
}

/**
 * The URL with its password replaced, for messages and logs. Operators paste
 * these URLs from their provider's console with the password inside, and a
 * start-up error ends up in logs that more people read than the secret.
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url.replace(/\/\/[^@/]*@/, '//***@');
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.toString();
}

/** A driver's message with the URL's password taken out, in case the driver quoted its connection string. */
export function redactMessage(message: string, url: string): string {
  const password = URL.canParse(url) ? new URL(url).password : '';
  if (password === '') return message;
  return message.replaceAll(password, '***').replaceAll(decodeOrKeep(password), '***');
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
