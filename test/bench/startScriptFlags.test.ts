import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStartScript } from './startScriptFlags.js';

const startScript = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start'] ?? '';

describe('reading the start script the bench runs the bot with', () => {
  it('reads the allocator settings and the Node flags out of package.json’s start script', () => {
    expect(parseStartScript(startScript)).toEqual({
      environment: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '4194304' },
      flags: ['--enable-source-maps', '--max-old-space-size=1024'],
    });
  });

  it('reads a script that sets nothing, and keeps a value that holds an equals sign whole', () => {
    expect(parseStartScript('npm run --silent build && node dist/src/main.js')).toEqual({ environment: {}, flags: [] });
    expect(parseStartScript('npm run build && cross-env A_B=x=y node --flag=1 dist/src/main.js')).toEqual({
      environment: { A_B: 'x=y' },
      flags: ['--flag=1'],
    });
  });

  it('refuses the POSIX-only `NAME=value node …`, which Windows’ cmd.exe cannot run', () => {
    expect(() => parseStartScript('npm run --silent build && MALLOC_ARENA_MAX=2 node --enable-source-maps dist/src/main.js')).toThrow(
      /start script no longer ends with/,
    );
  });

  it('refuses any other shape rather than measure a process unlike the one operators run', () => {
    for (const script of [
      '',
      'npm run --silent build && cross-env node dist/src/main.js', // cross-env with nothing to set
      'npm run --silent build && cross-env MALLOC_ARENA_MAX=2 node dist/src/main.js --inspect', // something after the entry point
      'npm run --silent build && cross-env MALLOC_ARENA_MAX=2 node dist/src/other.js',
      'npm run --silent build && cross-env MALLOC_ARENA_MAX=2 tsx src/main.ts',
      'cross-env MALLOC_ARENA_MAX=2 node dist/src/main.js', // no build first
    ]) {
      expect(() => parseStartScript(script), script).toThrow(/start script no longer ends with/);
    }
  });
});
