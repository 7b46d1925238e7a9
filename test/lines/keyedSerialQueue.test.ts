import { describe, expect, it } from 'vitest';
import { KeyedSerialQueue } from '../../src/lines/keyedSerialQueue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('one turn at a time per thread', () => {
  it('runs tasks of one key in order of arrival, each after the previous one finished', async () => {
    const queue = new KeyedSerialQueue();
    const order: string[] = [];
    const gate = deferred();
    const first = queue.run('thread', async () => {
      order.push('first started');
      await gate.promise;
      order.push('first finished');
    });
    const second = queue.run('thread', async () => {
      order.push('second started');
    });
    await Promise.resolve();
    expect(order).toEqual(['first started']);
    gate.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['first started', 'first finished', 'second started']);
  });

  it('lets other threads run meanwhile', async () => {
    const queue = new KeyedSerialQueue();
    const gate = deferred();
    const blocked = queue.run('a', () => gate.promise);
    await expect(queue.run('b', async () => 'done')).resolves.toBe('done');
    gate.resolve();
    await blocked;
  });

  it('keeps going after a task fails, and reports the failure to its caller', async () => {
    const queue = new KeyedSerialQueue();
    const failing = queue.run('thread', async () => {
      throw new Error('boom');
    });
    const next = queue.run('thread', async () => 'still works');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('still works');
  });
});
