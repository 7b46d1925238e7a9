import type { LeaseBackend } from './leaseLock.js';

/** What the lease needs of a node-redis client: raw commands, so it works the same on every client version. */
export interface RedisCommands {
  sendCommand(args: string[]): Promise<unknown>;
}

// Check-and-act in one script: Redis runs a script atomically, so no other process can take the key in between.
const RENEW_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const DELETE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Leases as Redis keys with an expiry: `SET NX PX` takes one, and Redis itself drops it when nobody renews. */
export function redisLeaseBackend(client: RedisCommands, prefix: string): LeaseBackend {
  const name = (key: string) => `${prefix}${key}`;
  return {
    async tryAcquire(key, token, leaseMs) {
      return (await client.sendCommand(['SET', name(key), token, 'NX', 'PX', String(leaseMs)])) === 'OK';
    },
    async renew(key, token, leaseMs) {
      return (await client.sendCommand(['EVAL', RENEW_IF_OWNER, '1', name(key), token, String(leaseMs)])) === 1;
    },
    async release(key, token) {
      await client.sendCommand(['EVAL', DELETE_IF_OWNER, '1', name(key), token]);
    },
  };
}
