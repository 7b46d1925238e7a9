import { existsSync } from 'node:fs';
import { parseConfig, type Config } from './config.js';

/**
 * The one place an entry point (`npm start`, `npm run deploy-commands`, a
 * shard process) reads its settings: every problem printed at once, no stack
 * trace, exit 1. `refusal` says what could not happen.
 */
export function readConfigOrExit(refusal: string, source: Record<string, string | undefined> = environmentWithDotEnv()): Config {
  const parsed = parseConfig(source);
  if (parsed.ok) return parsed.config;
  console.error(`${refusal}; fix these settings (see .env.example):\n${parsed.problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}

/** A .env file in the working directory is a convenience for local runs; real environment variables win. */
function environmentWithDotEnv(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}
