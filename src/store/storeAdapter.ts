import type { KeyvStoreAdapter } from 'keyv';
import type { LeaseBackend } from './leaseLock.js';

/** Every key lives under this namespace, as it always has: SQLite files from before BLOB_URL keep working. */
export const NAMESPACE = 'bot';
/** An unreachable server must stop the start quickly and say so, not hang it. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** A backend's Keyv adapter as openStore wraps it (openStore.ts, openPostgres.ts, openRedis.ts). */
export interface OpenedAdapter {
  adapter: KeyvStoreAdapter;
  prefixesKeys: boolean;
  /** Prepares the shared locks, on the adapter's own connection; absent for SQLite. */
  leases?: () => Promise<LeaseBackend>;
}
