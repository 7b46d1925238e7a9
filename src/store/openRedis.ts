import KeyvRedis, { createClient } from '@keyv/redis';
import { CONNECT_TIMEOUT_MS, NAMESPACE, type OpenedAdapter } from './storeAdapter.js';
import { redisLeaseBackend, type RedisCommands } from './redisLeaseBackend.js';

/** A Redis store (openStore loads this module only for a redis:// URL); @keyv/redis prefixes keys with the namespace itself. */
export async function openRedis(url: string): Promise<OpenedAdapter> {
  const { adapter, client } = await connectRedis(url);
  // Beside the records' `bot::` keys, under a name no record key can take.
  return { adapter, prefixesKeys: true, leases: async () => redisLeaseBackend(client, `${NAMESPACE}:lease:`) };
}

/**
 * Connects before returning so the start fails on a refused connection after
 * a few quick tries. Once connected, a dropped connection is retried for as
 * long as it takes, but commands fail meanwhile instead of queueing: a member
 * waiting on a reply is better told the save failed than left hanging.
 */
async function connectRedis(url: string): Promise<{ adapter: KeyvRedis<unknown>; client: RedisCommands }> {
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
