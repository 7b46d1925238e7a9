import { afterEach, beforeEach, expect } from 'vitest';
import { startHarness, type Harness, type HarnessOptions } from './harness.js';

/**
 * A fresh harness for every test in the enclosing describe (or file), closed
 * after it with a check that the bot made no request the Discord emulator
 * does not know. The returned object always stands for the current test's
 * harness, so tests read `harness.discord` as if it were a plain variable.
 */
export function useHarness(options: HarnessOptions | (() => HarnessOptions) = {}): Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    // A function is read when each test starts, for options known only then (the URL of a server started in beforeAll).
    current = await startHarness(typeof options === 'function' ? options() : options);
  });
  afterEach(async () => {
    const harness = current;
    current = undefined;
    expect(harness?.discord.unexpectedRequests).toEqual([]);
    await harness?.close();
  });
  const active = (): Harness => {
    if (!current) throw new Error('useHarness: no harness outside a test');
    return current;
  };
  return new Proxy({} as Harness, {
    get: (_target, property) => Reflect.get(active(), property),
    set: (_target, property, value) => Reflect.set(active(), property, value),
  });
}
