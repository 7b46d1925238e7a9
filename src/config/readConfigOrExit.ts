import { parseConfig, type Config } from './config.js';

/** The entry points' edge: every configuration problem printed at once, no stack trace, exit 1. */
export function readConfigOrExit(source: Record<string, string | undefined>): Config {
  const parsed = parseConfig(source);
  if (parsed.ok) return parsed.config;
  console.error(`The bot cannot start; fix these settings (see .env.example):\n${parsed.problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exit(1);
}
