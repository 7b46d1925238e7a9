import path from 'node:path';
import { beforeAll } from 'vitest';
import { buildBot } from './compiledBot.js';

/**
 * Builds the bot once for a test file, into dist/<folder>: each file its own
 * folder, so builds in parallel test files never race. Returns the entry point.
 */
export function useCompiledBot(folder: string): () => string {
  let entry: string | undefined;
  beforeAll(async () => {
    entry = await buildBot(path.resolve(import.meta.dirname, '../../dist', folder));
  }, 120_000);
  return () => {
    if (entry === undefined) throw new Error('the bot is not built yet: call this inside a test or hook');
    return entry;
  };
}
