import { afterAll, beforeAll } from 'vitest';
import { startPostgres, startRedis, type PostgresServer, type RedisServer } from './servers.js';
import { withoutRedis } from './withoutRedis.js';

export interface StoreServers {
  readonly redis: RedisServer;
  readonly postgres: PostgresServer;
}

type Kind = keyof StoreServers;

/**
 * A private server of each kind the file names, for the whole file (starting
 * one takes about a second; tests reset them instead), stopped after it.
 * Redis is not started in a run without it: the tests that use it are
 * skipped with `describe.skipIf(withoutRedis)`.
 */
export function useStoreServers<Named extends Kind>(...kinds: Named[]): Pick<StoreServers, Named> & { reset(): Promise<void> } {
  const wanted = new Set<Kind>(kinds);
  const running: { redis?: RedisServer; postgres?: PostgresServer } = {};
  beforeAll(async () => {
    const [redis, postgres] = await Promise.allSettled([
      wanted.has('redis') && !withoutRedis ? startRedis() : undefined,
      wanted.has('postgres') ? startPostgres() : undefined,
    ]);
    // Whichever started is kept so afterAll stops it, even when the other failed.
    if (redis.status === 'fulfilled') running.redis = redis.value;
    if (postgres.status === 'fulfilled') running.postgres = postgres.value;
    const failures = [redis, postgres].flatMap((start) => (start.status === 'rejected' ? [start.reason instanceof Error ? start.reason.message : String(start.reason)] : []));
    if (failures.length > 0) throw new Error(failures.join('\n'));
  });
  afterAll(async () => {
    await Promise.all([running.redis?.stop(), running.postgres?.stop()]);
  });
  const servers = {
    /** Empties every server the file started. */
    async reset() {
      await Promise.all([running.redis?.reset(), running.postgres?.reset()]);
    },
  };
  for (const kind of wanted) {
    Object.defineProperty(servers, kind, {
      get() {
        const server = running[kind];
        if (!server) throw new Error(`useStoreServers: ${kind} is not running (outside a test, skipped in this run, or it failed to start)`);
        return server;
      },
    });
  }
  return servers as Pick<StoreServers, Named> & { reset(): Promise<void> };
}
