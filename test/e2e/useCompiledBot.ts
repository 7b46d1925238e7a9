import { beforeAll, inject } from 'vitest';
import { buildBotOnce } from './compiledBot.js';

/**
 * The compiled bot for a test file: built once per test run, into the folder
 * test/e2e/compiledBotFolder.ts names, and shared by every file that uses it.
 * Returns the entry point.
 */
export function useCompiledBot(): () => string {
  let entry: string | undefined;
  beforeAll(async () => {
    entry = await buildBotOnce(inject('compiledBotFolder'));
  }, 120_000);
  return () => {
    if (entry === undefined) throw new Error('the bot is not built yet: call this inside a test or hook');
    return entry;
  };
}
