import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What `npm start` runs once built: `[cross-env NAME=value …] node [flags] dist/src/main.js`. */
export interface StartCommand {
  /** The environment the script sets for the process (glibc's allocator settings). */
  environment: Record<string, string>;
  /** The Node flags (the heap cap above all). */
  flags: string[];
}

/**
 * The command a start script runs after its build. The environment must be set
 * through cross-env (a bare `NAME=value node …` fails in Windows' cmd.exe), so
 * that shape is refused along with any other the bench cannot read: it would
 * otherwise measure a process unlike the one operators run.
 */
export function parseStartScript(script: string): StartCommand {
  const match = /&&\s+(?:cross-env((?:\s+[A-Z_][A-Z0-9_]*=\S+)+)\s+)?node((?:\s+--\S+)*)\s+dist\/src\/main\.js$/.exec(script);
  if (!match) throw new Error(`package.json: the start script no longer ends with \`&& [cross-env NAME=value …] node [flags] dist/src/main.js\`: ${script}`);
  const environment = Object.fromEntries(
    (match[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((assignment) => {
        const equals = assignment.indexOf('=');
        return [assignment.slice(0, equals), assignment.slice(equals + 1)];
      }),
  );
  return { environment, flags: (match[2] ?? '').trim().split(/\s+/).filter(Boolean) };
}

/**
 * The start script's command, read from package.json, so the bench measures
 * the process operators run: the same environment and Node flags.
 */
function startCommand(): StartCommand {
  // Compiled to dist/test/bench/, so the package is three folders up.
  const packageJson = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { scripts: Record<string, string> };
  return parseStartScript(packageJson.scripts['start'] ?? '');
}

/** The Node flags `npm start` runs the bot with. */
export function startScriptNodeFlags(): string[] {
  return startCommand().flags;
}

/** The environment variables `npm start` sets for the bot process. */
export function startScriptEnvironment(): Record<string, string> {
  return startCommand().environment;
}
