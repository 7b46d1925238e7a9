import type pg from 'pg';
import type { LeaseBackend } from './leaseLock.js';

/**
 * Leases as rows of their own table. Not pg_advisory_lock: that belongs to a
 * connection of the pool and has no expiry, while a lease must outlive a
 * borrowed connection and end by itself when its process dies.
 */
const TABLE = 'bot_leases';

/** Creates the table if missing. Several processes may start at once, and CREATE … IF NOT EXISTS can still collide. */
export async function preparePostgresLeases(pool: pg.Pool): Promise<void> {
  try {
    await pool.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key text PRIMARY KEY, token text NOT NULL, expires_at timestamptz NOT NULL)`);
  } catch (error) {
    // 23505 / 42P07: another process created it in the same instant.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P07') throw error;
  }
}

export function postgresLeaseBackend(pool: pg.Pool): LeaseBackend {
  return {
    async tryAcquire(key, token, leaseMs) {
      // One statement: the row is inserted, or taken over only when its lease ran out (the server's clock decides, not ours).
      const result = await pool.query(
        `INSERT INTO ${TABLE} (key, token, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at WHERE ${TABLE}.expires_at < now()`,
        [key, token, leaseMs],
      );
      return result.rowCount === 1;
    },
    async renew(key, token, leaseMs) {
      const result = await pool.query(`UPDATE ${TABLE} SET expires_at = now() + $3 * interval '1 millisecond' WHERE key = $1 AND token = $2`, [key, token, leaseMs]);
      return result.rowCount === 1;
    },
    async release(key, token) {
      await pool.query(`DELETE FROM ${TABLE} WHERE key = $1 AND token = $2`, [key, token]);
    },
    async sweepExpired() {
      // Only claims: an expired claim is free for anyone anyway. An expired lease may still be renewed by a slow holder.
      await pool.query(`DELETE FROM ${TABLE} WHERE key LIKE 'claim:%' AND expires_at < now()`);
    },
  };
}
