import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readVersionedRecord } from '../../src/store/readVersionedRecord.js';

const schema = z.object({ version: z.literal(1), name: z.string() });

/** A Keyv over a plain Map, so a test can put raw rows behind Keyv's back as a damaged database would hold them. */
function store() {
  const rows = new Map<string, unknown>();
  return { rows, keyv: new Keyv({ store: rows, namespace: 'bot' }) };
}

describe('readVersionedRecord', () => {
  it('reads a record, and says when there is none', async () => {
    const { keyv } = store();
    expect(await readVersionedRecord(keyv, 'r', schema)).toEqual({ kind: 'missing' });
    await keyv.set('r', { version: 1, name: 'fox' });
    expect(await readVersionedRecord(keyv, 'r', schema)).toEqual({ kind: 'found', value: { version: 1, name: 'fox' } });
  });

  it('reports a record of an unknown version, or one that breaks the schema, as unreadable, naming why', async () => {
    const { keyv } = store();
    await keyv.set('future', { version: 2, name: 'fox' });
    await keyv.set('broken', { version: 1, name: 7 });
    expect(await readVersionedRecord(keyv, 'future', schema)).toEqual({ kind: 'unreadable', problem: 'unknown record version 2' });
    expect(await readVersionedRecord(keyv, 'broken', schema)).toMatchObject({ kind: 'unreadable', problem: expect.stringContaining('name') });
  });

  it('reports a row whose JSON is damaged as unreadable, not as a store failure', async () => {
    const { keyv, rows } = store();
    rows.set('bot:damaged', '{"value":{"version":1,"na');
    expect(await readVersionedRecord(keyv, 'damaged', schema)).toMatchObject({ kind: 'unreadable', problem: expect.stringMatching(/^stored JSON is damaged/) });
  });

  it('throws what the store throws, for the caller to report', async () => {
    const keyv = new Keyv({ store: { get: () => Promise.reject(new Error('connection refused')), set: async () => true, delete: async () => true, clear: async () => undefined }, throwOnErrors: true });
    await expect(readVersionedRecord(keyv, 'r', schema)).rejects.toThrow('connection refused');
  });
});
