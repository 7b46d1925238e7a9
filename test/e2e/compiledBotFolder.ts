import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where this test run compiles the bot, once, for the files that run it in a process of its own (useCompiledBot.ts). */
    compiledBotFolder: string;
  }
}

/**
 * vitest's global setup, in the vitest process before any test file: names
 * the run's build folder after this process and makes sure it starts empty
 * (a run that was killed may have left one with the same process id, built
 * from older sources); the folder goes once every file has finished.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const folder = path.resolve(import.meta.dirname, '../../dist', `e2e-run-${process.pid}`);
  await rm(folder, { recursive: true, force: true });
  project.provide('compiledBotFolder', folder);
  return () => rm(folder, { recursive: true, force: true });
}
