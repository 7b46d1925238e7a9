import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import KeyvPostgres from '@keyv/postgres';
import KeyvRedis, { createClient } from '@keyv/redis';
import pg from 'pg';
import { PollingLeaseLock, type LeaseBackend, type LeaseLock, type LeaseOptions } from './leaseLock.js';
import { postgresLeaseBackend, preparePostgresLeases } from './postgresLeaseBackend.js';
import { redisLeaseBackend, type RedisCommands } from './redisLeaseBackend.js';
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

/** Every key lives under this namespace, as it always has: SQLite files from before BLOB_URL keep working. */
const NAMESPACE = 'bot';
/** An unreachable server must stop the start quickly and say so, not hang it. */
const CONNECT_TIMEOUT_MS = 5_000;
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

interface OpenedAdapter {
  adapter: KeyvStoreAdapter;
  prefixesKeys: boolean;
  /** Prepares the shared locks, on the adapter's own connection; absent for SQLite. */
  leases?: () => Promise<LeaseBackend>;
}

async function openAdapter(url: string): Promise<OpenedAdapter> {
  switch (storeBackend(url)) {
    case 'sqlite':
      return { adapter: await openSqlite(url), prefixesKeys: false };
    case 'postgres': {
      const adapter = new OwnPoolPostgres({ uri: url });
      const leases = async () => {
        if (!adapter.pool) throw new Error('the PostgreSQL pool is closed');
        await preparePostgresLeases(adapter.pool);
        return postgresLeaseBackend(adapter.pool);
      };
      return { adapter, prefixesKeys: false, leases };
    }
    case 'redis': {
      const { adapter, client } = await openRedis(url);
      // Beside the records' `bot::` keys, under a name no record key can take.
      return { adapter, prefixesKeys: true, leases: async () => redisLeaseBackend(client, `${NAMESPACE}:lease:`) };
    }
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

/**
 * @keyv/postgres 2.2 keeps one pg.Pool in module state for the last URL it
 * opened: with DATABASE_URL and BLOB_URL on two databases, closing one store
 * ended the other's pool and leaked its own. It also leaves the pool's
 * 'error' event unheard, and pg emits it when the server drops an idle
 * connection (a restart, a failover): unheard, that crashes the process.
 * So each adapter here owns its pool and passes those errors to Keyv.
 */
class OwnPoolPostgres extends KeyvPostgres {
  // `declare`: a field initializer would run after the base constructor, which already called connect().
  // Public so the shared locks use the same pool rather than a second one.
  declare pool: pg.Pool | undefined;

  override async connect(): Promise<(sql: string, values?: unknown[]) => Promise<unknown[]>> {
    const pool = new pg.Pool({ connectionString: this.opts.uri, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    pool.on('error', (error) => this.emit('error', error));
    this.pool = pool;
    return async (sql, values) => (await pool.query(sql, values)).rows as unknown[];
  }

  override async disconnect(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}

/**
 * Connects before returning so the start fails on a refused connection after
 * a few quick tries. Once connected, a dropped connection is retried for as
 * long as it takes, but commands fail meanwhile instead of queueing: a member
 * waiting on a reply is better told the save failed than left hanging.
 */
async function openRedis(url: string): Promise<{ adapter: KeyvRedis<unknown>; client: RedisCommands }> {
  let connectedOnce = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries, cause) => (connectedOnce ? Math.min(100 * 2 ** retries, 2_000) : retries < 2 ? 200 : cause),
    },
  });
  // Connection errors are also reported through the adapter's 'error' event, which Keyv passes on.
  client.on('error', () => undefined);
  await client.connect();
  connectedOnce = true;
  // The adapter's own throwOnErrors defaults to false and would swallow a refused write before Keyv sees it.
  return { adapter: new KeyvRedis(client, { throwOnErrors: true, throwOnConnectError: true }), client };
}
