import KeyvPostgres from '@keyv/postgres';
import pg from 'pg';
import { CONNECT_TIMEOUT_MS, type OpenedAdapter } from './storeAdapter.js';
import { postgresLeaseBackend, preparePostgresLeases } from './postgresLeaseBackend.js';

/** A PostgreSQL store (openStore loads this module only for a postgres:// URL), its shared locks on the adapter's own pool. */
export function openPostgres(url: string): OpenedAdapter {
  const adapter = new OwnPoolPostgres({ uri: url });
  const leases = async () => {
    if (!adapter.pool) throw new Error('the PostgreSQL pool is closed');
    await preparePostgresLeases(adapter.pool);
    return postgresLeaseBackend(adapter.pool);
  };
  return { adapter, prefixesKeys: false, leases };
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

