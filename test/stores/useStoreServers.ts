import { afterAll, beforeAll } from 'vitest';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from './servers.js';

export interface StoreServers {
  readonly redis: RedisServer;
  readonly postgres: PostgresServer;
}

/**
 * One private Redis and one PostgreSQL for the whole file (starting them
 * takes about a second; tests reset them instead), stopped after it.
 */
export function useStoreServers(): StoreServers {
  let redis: RedisServer | undefined;
  let postgres: PostgresServer | undefined;
  beforeAll(async () => {
    const [redisStart, postgresStart] = await Promise.allSettled([startRedis(), startPostgres()]);
    // Whichever started is kept so afterAll stops it, even when the other failed.
    if (redisStart.status === 'fulfilled') redis = redisStart.value;
    if (postgresStart.status === 'fulfilled') postgres = postgresStart.value;
    const failures = [redisStart, postgresStart].flatMap((start) => (start.status === 'rejected' ? [start.reason instanceof Error ? start.reason.message : String(start.reason)] : []));
    if (failures.length > 0) throw new Error(failures.join('\n'));
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), postgres?.stop()]);
  });
  return {
    get redis() {
      if (!redis) throw new Error('useStoreServers: Redis is not running (outside a test, or it failed to start)');
      return redis;
    },
    get postgres() {
      if (!postgres) throw new Error('useStoreServers: PostgreSQL is not running (outside a test, or it failed to start)');
      return postgres;
    },
  };
}
