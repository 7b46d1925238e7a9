import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What `npm start` runs once built: `[NAME=value …] node [flags] dist/src/main.js`. */
interface StartCommand {
  /** The environment the script sets for the process (glibc's allocator settings). */
  environment: Record<string, string>;
  /** The Node flags (the heap cap above all). */
  flags: string[];
}

/**
 * The start script's command, read from package.json, so the bench measures
 * the process operators run: the same environment and Node flags.
 */
function startCommand(): StartCommand {
  // Compiled to dist/test/bench/, so the package is three folders up.
  const packageJson = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { scripts: Record<string, string> };
  const match = /&&\s+((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)node((?:\s+--\S+)*)\s+dist\/src\/main\.js$/.exec(packageJson.scripts['start'] ?? '');
  if (!match) throw new Error('package.json: the start script no longer ends with `&& [NAME=value …] node [flags] dist/src/main.js`');
  const environment = Object.fromEntries(
    match[1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((assignment) => assignment.split('=', 2) as [string, string]),
  );
  return { environment, flags: match[2]!.trim().split(/\s+/).filter(Boolean) };
}

/** The Node flags `npm start` runs the bot with. */
export function startScriptNodeFlags(): string[] {
  return startCommand().flags;
}

/** The environment variables `npm start` sets for the bot process. */
export function startScriptEnvironment(): Record<string, string> {
  return startCommand().environment;
}
