import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';

export interface Store {
  keyv: Keyv;
  close(): Promise<void>;
}

/**
 * Opens the Keyv store named by DATABASE_URL. `throwOnErrors` matters: by
 * default Keyv swallows a failed write and the conversation would be lost
 * silently. @keyv/sqlite sets neither WAL nor a busy timeout, so we do.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  const file = databaseUrl.replace(/^sqlite:\/\//, '');
  if (file !== ':memory:') await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new KeyvSqlite({ uri: databaseUrl, busyTimeout: 5_000 });
  // Fails here, at start, when the file cannot be opened: better than at the first user's turn.
  await sqlite.query('PRAGMA journal_mode = WAL');
  const keyv = new Keyv({ store: sqlite, namespace: 'bot', throwOnErrors: true });
  return {
    keyv,
    close: () => keyv.disconnect(),
  };
}
