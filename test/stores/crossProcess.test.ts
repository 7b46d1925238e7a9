import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdLease, type LeaseLock } from '../../src/store/leaseLock.js';
import { openStore, type Store } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageBudget } from '../../src/limits/usageBudget.js';
import type { PostgresServer, RedisAdmin } from './servers.js';
import { useStoreServers } from './useStoreServers.js';
import { withoutRedis } from './withoutRedis.js';

/**
 * Two bot processes on one shared store, played by two stores opened
 * separately (each its own connections, as two processes would have): turns
 * of a thread never overlap, a crashed holder frees the thread within one
 * lease, and a server's budget admits exactly what it affords.
 */
const servers = useStoreServers('redis', 'postgres');
const opened: Store[] = [];

beforeEach(async () => {
  await servers.reset();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close().catch(() => undefined)));
});

async function openProcess(url: string, leaseMs?: number): Promise<Store & { lock: LeaseLock }> {
  const store = await openStore(url, 'DATABASE_URL', leaseMs === undefined ? {} : { leaseMs });
  opened.push(store);
  if (!store.lock) throw new Error(`no shared lock on ${url}`);
  return { ...store, lock: store.lock };
}

/** Long enough that no lease or claim runs out by itself during a test, however slow the machine: the tests end them. */
const NEVER_BY_ITSELF_MS = 60_000;
/** Waits on the store's own clock are bounded by this, not by a guess at how fast the machine is. */
const PATIENCE = { timeout: 10_000, interval: 20 };

interface LeaseInStore {
  token: string;
  /** When the lease runs out, and the store's clock when it was read, in milliseconds of that clock. */
  endsAt: number;
  now: number;
}

/**
 * A lease as the store sees it, read and ended behind the processes' backs:
 * the tests watch the store's clock and holder instead of timing the
 * processes, and end a lease instead of waiting it out. Keys are the ones
 * openStore gives the lock (Redis: under `bot:lease:`; PostgreSQL: rows of
 * bot_leases).
 */
interface LeaseView {
  read(key: string): Promise<LeaseInStore | undefined>;
  /** The lease runs out now, as if its time had passed. */
  expire(key: string): Promise<void>;
  /** How many times any process has tried to take a key (taken or refused) since the view was made. */
  attempts(): Promise<number>;
}

async function redisLeases(admin: RedisAdmin): Promise<LeaseView> {
  const name = (key: string) => `bot:lease:${key}`;
  // Every take is a `SET … NX PX`, and nothing else in these tests writes to Redis.
  const setCalls = async () => Number(/cmdstat_set:calls=(\d+)/.exec(String(await admin.sendCommand(['INFO', 'commandstats'])))?.[1] ?? 0);
  const before = await setCalls();
  return {
    async read(key) {
      const [seconds, micros] = (await admin.sendCommand(['TIME'])) as [string, string];
      const token = (await admin.sendCommand(['GET', name(key)])) as string | null;
      const endsAt = Number(await admin.sendCommand(['PEXPIRETIME', name(key)]));
      return token === null || endsAt < 0 ? undefined : { token, endsAt, now: Number(seconds) * 1000 + Number(micros) / 1000 };
    },
    async expire(key) {
      // An expiry already past: Redis drops the key at once, as it does when a lease's own time runs out.
      await admin.sendCommand(['PEXPIRE', name(key), '0']);
    },
    attempts: async () => (await setCalls()) - before,
  };
}

async function postgresLeases(server: PostgresServer): Promise<LeaseView> {
  // A BEFORE INSERT trigger runs for every row an INSERT … ON CONFLICT proposes, so it sees refused takes too.
  await server.query('CREATE TABLE IF NOT EXISTS lease_attempts (key text NOT NULL)');
  await server.query('TRUNCATE lease_attempts');
  await server.query(`CREATE OR REPLACE FUNCTION note_lease_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO lease_attempts VALUES (NEW.key); RETURN NEW; END $$`);
  await server.query('CREATE OR REPLACE TRIGGER note_lease_attempt BEFORE INSERT ON bot_leases FOR EACH ROW EXECUTE FUNCTION note_lease_attempt()');
  return {
    async read(key) {
      const { rows } = await server.query(
        'SELECT token, extract(epoch FROM expires_at) * 1000 AS ends_at, extract(epoch FROM now()) * 1000 AS now FROM bot_leases WHERE key = $1',
        [key],
      );
      const row = rows[0] as { token: string; ends_at: string; now: string } | undefined;
      return row && { token: row.token, endsAt: Number(row.ends_at), now: Number(row.now) };
    },
    async expire(key) {
      await server.query("UPDATE bot_leases SET expires_at = now() - interval '1 millisecond' WHERE key = $1", [key]);
    },
    attempts: async () => Number((await server.query('SELECT count(*) AS n FROM lease_attempts')).rows[0].n),
  };
}

it('needs no shared lock on SQLite, which one process owns', async () => {
  const store = await openStore('sqlite://:memory:');
  expect(store.lock).toBeUndefined();
  await store.close();
});

it('clears expired claims from PostgreSQL, which keeps expired rows until told, at the first claim and every 256th', async () => {
  const store = await openProcess(servers.postgres.url);
  const rows = async (pattern: string) => Number((await servers.postgres.query('SELECT count(*) AS n FROM bot_leases WHERE key LIKE $1', [pattern])).rows[0].n);
  // An expired lease, not a claim: a slow holder may still renew it, so it stays.
  await servers.postgres.query("INSERT INTO bot_leases (key, token, expires_at) VALUES ('thread:1', 't', now() - interval '1 minute')");
  for (let index = 0; index < 256; index++) await store.lock.claimOnce(`event:${index}`, 60_000);
  expect(await rows('claim:%')).toBe(256);
  // Expired, as if an hour had passed: no waiting on the clock.
  await servers.postgres.query("UPDATE bot_leases SET expires_at = now() - interval '1 second' WHERE key LIKE 'claim:%'");
  await store.lock.claimOnce('event:last', 60_000); // the 256th since the first claim's sweep
  await vi.waitFor(async () => expect(await rows('claim:%')).toBe(1), PATIENCE);
  expect(await rows('thread:%')).toBe(1);
  // A process that has just started sweeps at its first claim.
  await servers.postgres.query("UPDATE bot_leases SET expires_at = now() - interval '1 second' WHERE key LIKE 'claim:%'");
  await (await openProcess(servers.postgres.url)).lock.claimOnce('event:fresh', 60_000);
  await vi.waitFor(async () => expect(await rows('claim:%')).toBe(1), PATIENCE);
});

for (const backend of ['redis', 'postgres'] as const) {
  describe.skipIf(backend === 'redis' && withoutRedis)(`on ${backend}`, () => {
    const url = () => servers[backend].url;
    /** Made once a process has opened the store (on PostgreSQL, bot_leases exists only then). */
    const leases = () => (backend === 'redis' ? redisLeases(servers.redis.admin) : postgresLeases(servers.postgres));

    it('runs one thread\'s turns one at a time across two processes, losing none', async () => {
      const [first, second] = [await openProcess(url()), await openProcess(url())];
      let inside = 0;
      let mostInside = 0;
      // Each turn reads the history, waits on the store, and writes it back longer: the read-modify-write a turn does.
      const turn = (store: Store, label: string) =>
        holdLease(store.lock!, 'thread:42', async () => {
          mostInside = Math.max(mostInside, ++inside);
          const history = ((await store.keyv.get('conversation:42')) as string[] | undefined) ?? [];
          await store.keyv.get('something:else');
          await store.keyv.set('conversation:42', [...history, label]);
          inside--;
        });
      await Promise.all(Array.from({ length: 24 }, (_, index) => turn(index % 2 === 0 ? first : second, `turn ${index}`)));
      expect(mostInside).toBe(1);
      const history = (await first.keyv.get('conversation:42')) as string[];
      expect(new Set(history).size).toBe(24);
    });

    it('frees a thread once the lease of the process that crashed holding it runs out', async () => {
      const crashing = await openProcess(url(), NEVER_BY_ITSELF_MS);
      const survivor = await openProcess(url(), NEVER_BY_ITSELF_MS);
      const view = await leases();
      await crashing.lock.acquire('thread:7'); // never released: the process dies holding it
      await crashing.close();
      // The crash gave nothing back: the lease stands, and ends by itself within one lease.
      const crashed = await view.read('thread:7');
      expect(crashed).toBeDefined();
      expect(crashed!.endsAt - crashed!.now).toBeGreaterThan(0);
      expect(crashed!.endsAt - crashed!.now).toBeLessThanOrEqual(NEVER_BY_ITSELF_MS);

      const taking = survivor.lock.acquire('thread:7');
      // The survivor is refused while the lease stands (its first take and two polls), and the holder is still the dead process.
      await vi.waitFor(async () => expect(await view.attempts()).toBeGreaterThanOrEqual(1 + 3), PATIENCE);
      expect((await view.read('thread:7'))?.token).toBe(crashed!.token);

      await view.expire('thread:7');
      const release = await taking;
      expect((await view.read('thread:7'))?.token).not.toBe(crashed!.token);
      await release();
      expect(await view.read('thread:7')).toBeUndefined();
    });

    it('lets exactly one of two processes claim a message, until the claim expires', async () => {
      const [first, second] = [await openProcess(url()), await openProcess(url())];
      const view = await leases();
      const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? first : second).lock.claimOnce('event:1', NEVER_BY_ITSELF_MS)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await second.lock.claimOnce('event:2', NEVER_BY_ITSELF_MS)).toBe(true); // another message is its own claim
      // The claim ends by itself after the time it was made for (the bot's is an hour)…
      const claim = await view.read('claim:event:1');
      expect(claim!.endsAt - claim!.now).toBeGreaterThan(0);
      expect(claim!.endsAt - claim!.now).toBeLessThanOrEqual(NEVER_BY_ITSELF_MS);
      expect(await first.lock.claimOnce('event:1', NEVER_BY_ITSELF_MS)).toBe(false);
      // …and once it has, a process may claim the message again (say, a redelivered event after an hour).
      await view.expire('claim:event:1');
      expect(await first.lock.claimOnce('event:1', NEVER_BY_ITSELF_MS)).toBe(true);
    });

    it('keeps a long turn\'s lease renewed, so another process waits for it to finish', async () => {
      const leaseMs = 600; // renewed every 200 ms
      const [first, second] = [await openProcess(url(), leaseMs), await openProcess(url(), leaseMs)];
      const view = await leases();
      const events: string[] = [];
      let started!: () => void;
      const longTurnStarted = new Promise<void>((resolve) => (started = resolve));
      let finishWork!: () => void;
      const work = new Promise<void>((resolve) => (finishWork = resolve));
      const long = holdLease(first.lock, 'thread:9', async () => {
        events.push('long turn starts');
        started();
        await work; // the turn's own work (a long Gemini call), until the test ends it
        events.push('long turn ends');
      });
      await longTurnStarted;
      const taken = await view.read('thread:9');
      const next = holdLease(second.lock, 'thread:9', async () => void events.push('next turn starts'));
      // The work goes on until, by the store's clock, the lease as first taken ended a whole lease ago and the same
      // process still holds it: without renewals it would have lapsed twice, and the next turn would have started.
      await vi.waitFor(async () => {
        const now = await view.read('thread:9');
        expect(now?.token).toBe(taken!.token);
        expect(now!.now).toBeGreaterThan(taken!.endsAt + leaseMs);
      }, PATIENCE);
      expect(events).toEqual(['long turn starts']);
      finishWork();
      await Promise.all([long, next]);
      expect(events).toEqual(['long turn starts', 'long turn ends', 'next turn starts']);
    });

    describe('a server budget that affords three generations', () => {
      const prices = new PriceTable();
      const request = { model: 'gemini-3-pro-image', imageSize: '1K' as const, guildId: '1' };
      const worstCase = prices.worstCaseCost(request.model, request.imageSize, undefined);
      const limits = { dailyImageLimit: 0, monthlyBudgetUsd: Math.round(worstCase * 3.5 * 1000) / 1000 };

      async function reserveTenEach(ledgers: UsageBudget[]) {
        const results = await Promise.all(
          ledgers.flatMap((ledger, processIndex) =>
            Array.from({ length: 10 }, (_, index) => ledger.reserve({ ...request, userId: `user-${processIndex}-${index}`, limits })),
          ),
        );
        return results.flatMap((result) => (result.ok ? [result.reservation] : []));
      }

      it('admits exactly three of twenty requests made at once by two processes, and counts all three', async () => {
        const stores = [await openProcess(url()), await openProcess(url())];
        const ledgers = stores.map((store) => new UsageBudget(store.keyv, prices, { lock: store.lock }));
        const admitted = await reserveTenEach(ledgers);
        expect(admitted).toHaveLength(3);
        await Promise.all(admitted.map((reservation) => reservation.commit({ images: 1, usage: { promptTokens: 1_000, outputTokens: 1_300 }, outcome: 'images' })));
        await expect(ledgers[1]!.guildSummary('1')).resolves.toMatchObject({ month: { generations: 3, images: 3 } });
        // Settled holds are gone: what is left of the budget is free again for either process.
        const cost = prices.estimateCost({ model: request.model, imageSize: request.imageSize, images: 1, promptTokens: 1_000 });
        const left = await reserveTenEach(ledgers);
        expect(left).toHaveLength(Math.floor((limits.monthlyBudgetUsd - 3 * cost) / worstCase + 1e-9));
      });

      it('would overspend without the shared lock (what the test above guards against)', async () => {
        const stores = [await openProcess(url()), await openProcess(url())];
        const ledgers = stores.map((store) => new UsageBudget(store.keyv, prices));
        await expect(reserveTenEach(ledgers)).resolves.toHaveLength(6);
      });
    });
  });
}
