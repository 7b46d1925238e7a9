import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The Node flags `npm start` runs the bot with (its heap cap above all), read
 * from package.json, so the bench measures the process operators run.
 */
export function startScriptNodeFlags(): string[] {
  // Compiled to dist/test/bench/, so the package is three folders up.
  const packageJson = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { scripts: Record<string, string> };
  const match = /\bnode((?:\s+--\S+)*)\s+dist\/src\/main\.js$/.exec(packageJson.scripts['start'] ?? '');
  if (!match) throw new Error('package.json: the start script no longer ends with `node [flags] dist/src/main.js`');
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}
