import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdLease, type LeaseLock } from '../../src/store/leaseLock.js';
import { openStore, type Store } from '../../src/store/openStore.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { UsageLedger } from '../../src/usage/usageLedger.js';
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

function afterMs(ms: number): Promise<'timer'> {
  return sleep(ms, 'timer' as const);
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
  await vi.waitFor(async () => expect(await rows('claim:%')).toBe(1));
  expect(await rows('thread:%')).toBe(1);
  // A process that has just started sweeps at its first claim.
  await servers.postgres.query("UPDATE bot_leases SET expires_at = now() - interval '1 second' WHERE key LIKE 'claim:%'");
  await (await openProcess(servers.postgres.url)).lock.claimOnce('event:fresh', 60_000);
  await vi.waitFor(async () => expect(await rows('claim:%')).toBe(1));
});

for (const backend of ['redis', 'postgres'] as const) {
  describe.skipIf(backend === 'redis' && withoutRedis)(`on ${backend}`, () => {
    const url = () => servers[backend].url;

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

    it('frees a thread within one lease after the process holding it crashed', async () => {
      const crashing = await openProcess(url(), 400);
      const survivor = await openProcess(url(), 400);
      await crashing.lock.acquire('thread:7'); // never released: the process dies holding it
      await crashing.close();
      const started = Date.now();
      const taking = survivor.lock.acquire('thread:7');
      await expect(Promise.race([taking, afterMs(100)])).resolves.toBe('timer');
      const release = await taking;
      expect(Date.now() - started).toBeLessThan(2_000);
      await release();
    });

    it('lets exactly one of two processes claim a message, until the claim expires', async () => {
      const [first, second] = [await openProcess(url()), await openProcess(url())];
      const claims = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? first : second).lock.claimOnce('event:1', 300)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await second.lock.claimOnce('event:2', 300)).toBe(true); // another message is its own claim
      // Once the claim has expired, a process may claim the message again (say, a redelivered event after an hour).
      await vi.waitFor(async () => expect(await first.lock.claimOnce('event:1', 300)).toBe(true), { timeout: 3_000, interval: 50 });
    });

    it('keeps a long turn\'s lease renewed, so another process waits for it to finish', async () => {
      const [first, second] = [await openProcess(url(), 300), await openProcess(url(), 300)];
      const events: string[] = [];
      let started!: () => void;
      const longTurnStarted = new Promise<void>((resolve) => (started = resolve));
      const long = holdLease(first.lock, 'thread:9', async () => {
        events.push('long turn starts');
        started();
        await sleep(1_200); // the turn's own work, four leases long: without renewal the lease would lapse three times
        events.push('long turn ends');
      });
      await longTurnStarted;
      const next = holdLease(second.lock, 'thread:9', async () => void events.push('next turn starts'));
      await Promise.all([long, next]);
      expect(events).toEqual(['long turn starts', 'long turn ends', 'next turn starts']);
    });

    describe('a server budget that affords three generations', () => {
      const prices = new PriceTable();
      const request = { model: 'gemini-3-pro-image', imageSize: '1K' as const, guildId: '1' };
      const worstCase = prices.worstCaseCost(request.model, request.imageSize, undefined);
      const limits = { dailyImageLimit: 0, monthlyBudgetUsd: Math.round(worstCase * 3.5 * 1000) / 1000 };

      async function reserveTenEach(ledgers: UsageLedger[]) {
        const results = await Promise.all(
          ledgers.flatMap((ledger, processIndex) =>
            Array.from({ length: 10 }, (_, index) => ledger.reserve({ ...request, userId: `user-${processIndex}-${index}`, limits })),
          ),
        );
        return results.flatMap((result) => (result.ok ? [result.reservation] : []));
      }

      it('admits exactly three of twenty requests made at once by two processes, and counts all three', async () => {
        const stores = [await openProcess(url()), await openProcess(url())];
        const ledgers = stores.map((store) => new UsageLedger(store.keyv, prices, { lock: store.lock }));
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
        const ledgers = stores.map((store) => new UsageLedger(store.keyv, prices));
        await expect(reserveTenEach(ledgers)).resolves.toHaveLength(6);
      });
    });
  });
}
