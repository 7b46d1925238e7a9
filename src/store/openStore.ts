import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { PollingLeaseLock, type LeaseBackend, type LeaseLock, type LeaseOptions } from './leaseLock.js';
import { NAMESPACE, type OpenedAdapter } from './storeAdapter.js';
import { redactMessage, redactUrl, storeBackend } from './storeUrl.js';
import { deserializeTextAsItself, serializeTextAsItself } from './textAsItself.js';

export interface Store {
  keyv: Keyv;
  /**
   * Locks shared by every process on this store (PostgreSQL, Redis);
   * undefined for SQLite, which one process owns, so in-process queues suffice.
   */
  lock: LeaseLock | undefined;
  close(): Promise<void>;
}

/** Records (conversations, settings, usage, buttons' state) and image blobs, which may live in another store. */
export interface Stores {
  keyv: Keyv;
  blobKeyv: Keyv;
  /** The records store's locks (see Store). */
  lock: LeaseLock | undefined;
  close(): Promise<void>;
}

export type StoreOptions = Partial<LeaseOptions>;

/** A crashed process blocks a thread or a budget this long at most; a live one renews every 5 s. */
const DEFAULT_LEASE_MS = 15_000;

const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens DATABASE_URL, and BLOB_URL when it names another store. The same URL
 * gives one shared connection: a second pool to the same database would only
 * compete with the first.
 */
export async function openStores(config: { databaseUrl: string; blobUrl: string }, options: StoreOptions = {}): Promise<Stores> {
  const records = await openStore(config.databaseUrl, 'DATABASE_URL', options);
  if (config.blobUrl === config.databaseUrl) return { keyv: records.keyv, blobKeyv: records.keyv, lock: records.lock, close: records.close };
  let blobs: Store;
  try {
    blobs = await openStore(config.blobUrl, 'BLOB_URL');
  } catch (error) {
    await records.close();
    throw error;
  }
  return {
    keyv: records.keyv,
    blobKeyv: blobs.keyv,
    lock: records.lock,
    close: async () => {
      await Promise.all([records.close(), blobs.close()]);
    },
  };
}

/**
 * Opens the Keyv store a URL names and reads from it once, so a bad URL or an
 * unreachable server stops the start with one message naming `variable`
 * (never the password) instead of failing at the first user's turn.
 * `throwOnErrors` matters: by default Keyv swallows a failed write and the
 * conversation would be lost silently.
 */
export async function openStore(url: string, variable = 'DATABASE_URL', options: StoreOptions = {}): Promise<Store> {
  let keyv: Keyv | undefined;
  let leases: LeaseBackend | undefined;
  try {
    const opened = await openAdapter(url);
    // @keyv/redis prefixes keys with the namespace itself; Keyv doing it too would double the prefix.
    keyv = new Keyv({
      store: opened.adapter,
      namespace: NAMESPACE,
      throwOnErrors: true,
      useKeyPrefix: !opened.prefixesKeys,
      // An image blob's base64 is stored as itself, not copied into JSON (see textAsItself.ts).
      serialize: serializeTextAsItself,
      deserialize: deserializeTextAsItself,
    });
    await keyv.get('store:probe');
    leases = await opened.leases?.();
  } catch (error) {
    await keyv?.disconnect().catch(() => undefined);
    const reason = redactMessage(error instanceof Error ? error.message : String(error), url);
    throw new Error(`${variable}: cannot open the store at ${redactUrl(url)}: ${reason}`);
  }
  const opened = keyv;
  const leaseOptions: LeaseOptions = { leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS, onError: options.onError ?? (() => undefined), signal: options.signal };
  return { keyv: opened, lock: leases && new PollingLeaseLock(leases, leaseOptions), close: () => opened.disconnect() };
}

/**
 * PostgreSQL's and Redis's clients are loaded only for a URL that names
 * them: on SQLite their code (about 5 MB of V8's heap) would only make
 * every full garbage collection longer.
 */
async function openAdapter(url: string): Promise<OpenedAdapter> {
  switch (storeBackend(url)) {
    case 'sqlite':
      return { adapter: await openSqlite(url), prefixesKeys: false };
    case 'postgres':
      return (await import('./openPostgres.js')).openPostgres(url);
    case 'redis':
      return (await import('./openRedis.js')).openRedis(url);
    case undefined:
      throw new Error('not a sqlite://, postgres://, postgresql://, redis:// or rediss:// URL');
  }
}

/** @keyv/sqlite sets neither WAL nor a busy timeout: without them a reader and a writer block each other. */
async function openSqlite(url: string): Promise<KeyvSqlite> {
  const file = url.replace(/^sqlite:\/\//, '');
  if (file !== ':memory:') await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new KeyvSqlite({ uri: url, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  // Fails here when the file cannot be opened.
  await sqlite.query('PRAGMA journal_mode = WAL');
  return sqlite;
}
