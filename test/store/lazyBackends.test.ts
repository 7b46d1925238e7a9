import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** The packages a module loads when it is evaluated: static imports and re-exports, not `import type` nor `import()`. */
function staticImportsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^;'"]*?\sfrom\s+)?'([^']+)'/gm)) specifiers.push(match[1]!);
  return specifiers;
}

/** Every package the process loads at start, following the bot's own modules from `entry`. */
function packagesLoadedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of staticImportsOf(file)) {
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(path.join(SRC, entry));
  return packages;
}

describe('packages loaded only when configured', () => {
  it('loads PostgreSQL and Redis clients only for a URL that names them (on SQLite their code would only lengthen every full collection)', () => {
    const loaded = packagesLoadedFrom('main.ts');
    // The walk itself works: what every start loads is found.
    expect(loaded).toContain('discord.js');
    expect(loaded).toContain('@keyv/sqlite');
    for (const lazy of ['pg', '@keyv/postgres', '@keyv/redis', 'redis']) expect(loaded).not.toContain(lazy);
    expect(packagesLoadedFrom('store/openPostgres.ts')).toContain('pg');
    expect(packagesLoadedFrom('store/openRedis.ts')).toContain('@keyv/redis');
  });

  it('loads prom-client only for an operator who serves metrics (METRICS_PORT): without it nothing could read them', () => {
    expect(packagesLoadedFrom('main.ts')).not.toContain('prom-client');
    expect(packagesLoadedFrom('metrics/promMetrics.ts')).toContain('prom-client');
  });
});
