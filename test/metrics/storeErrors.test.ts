import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/openStore.js';

let directory: string | undefined;
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

/* The store error metric counts Keyv's 'error' events: this proves a refused write emits one and still throws. */
describe('the store', () => {
  it('emits an error event for a write it refuses, and the write still fails', async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'store-errors-'));
    const store = await openStore(`sqlite://${directory}/bot.sqlite`);
    const errors: unknown[] = [];
    store.keyv.on('error', (error: unknown) => errors.push(error));
    await store.keyv.set('before', 1);
    await store.close();
    await expect(store.keyv.set('after', 2)).rejects.toThrow();
    expect(errors).toHaveLength(1);
  });
});
