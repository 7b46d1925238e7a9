import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../e2e/harness.js';

/*
 * No container engine runs in CI, so the image is held to the README here:
 * its build runs exactly the commands CI runs, it starts what `npm start`
 * starts, as a non-root user, and its health check really works.
 */
const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions in order: comments dropped, backslash continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Each FROM starts a stage. */
function stages(instructions: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

const argsOf = (stage: Instruction[], keyword: string) => stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);

const [build = [], runtime = []] = stages(parseDockerfile(read('Dockerfile')));
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const environment = Object.fromEntries(argsOf(runtime, 'ENV').flatMap((args) => args.split(/\s+/).map((pair) => pair.split('=', 2))));
const healthcheck = JSON.parse(/\bCMD (\[.*\])$/.exec(argsOf(runtime, 'HEALTHCHECK')[0] ?? '')?.[1] ?? '[]') as string[];

describe('the Dockerfile', () => {
  it('builds on Node 20 slim in two stages of the same Debian release', () => {
    expect(argsOf(build, 'FROM')).toEqual(['node:20-bookworm-slim AS build']);
    expect(argsOf(runtime, 'FROM')).toEqual(['node:20-bookworm-slim']);
  });

  it("builds with exactly the README's commands, after the compilers sqlite3 may need", () => {
    expect(read('README.md')).toContain('npm ci && npm start');
    expect(packageJson.scripts['start']?.startsWith('npm run --silent build && ')).toBe(true);
    expect(argsOf(build, 'RUN')).toEqual([
      'apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*',
      'npm ci',
      'npm run build',
    ]);
  });

  it('starts exactly what `npm start` starts once built, with the same allocator settings', () => {
    const command = JSON.parse(argsOf(runtime, 'CMD')[0] ?? '[]') as string[];
    const allocator = Object.entries(environment).filter(([name]) => name.startsWith('MALLOC_'));
    expect(allocator.map(([name]) => name).sort()).toEqual(['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
    const assignments = allocator.map(([name, value]) => `${name}=${value}`).join(' ');
    // Through cross-env: cmd.exe, which npm runs scripts with on Windows, cannot read `NAME=value command`.
    expect(packageJson.scripts['start']).toBe(`npm run --silent build && cross-env ${assignments} ${command.join(' ')}`);
  });

  it('runs as the non-root node user, with SQLite on the /data volume and nothing installed at run time', () => {
    expect(argsOf(runtime, 'USER')).toEqual(['node']);
    expect(argsOf(runtime, 'RUN')).toEqual(['install -d -o node -g node /data']);
    expect(argsOf(runtime, 'VOLUME')).toEqual(['/data']);
    expect(environment['DATABASE_URL']).toBe('sqlite:///data/bot.sqlite');
  });

  it('serves metrics on the exposed port, reachable from outside the container', () => {
    expect(argsOf(runtime, 'EXPOSE')).toEqual([environment['METRICS_PORT']]);
    expect(environment['METRICS_HOST']).toBe('0.0.0.0');
  });

  it('checks health with node on /healthz: passing while the bot runs, failing once it stops', async () => {
    expect(healthcheck[0]).toBe('node');
    expect(healthcheck.join(' ')).toContain('/healthz');
    const runCheck = (port: number) =>
      promisify(execFile)(process.execPath, healthcheck.slice(1), { env: { METRICS_PORT: String(port) }, timeout: 10_000 }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      );
    const harness = await startHarness({ env: { METRICS_PORT: '0' } });
    const port = harness.bot.metricsAddress!.port;
    try {
      expect(await runCheck(port)).toBe(0);
    } finally {
      await harness.close();
    }
    expect(await runCheck(port)).toBe(1);
  });
});

describe('the .dockerignore', () => {
  it('lets in only what the build copies, so .env, data and node_modules never reach the image', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(patterns[0]).toBe('*');
    const copied = argsOf(build, 'COPY').flatMap((args) => args.split(/\s+/).slice(0, -1));
    expect(patterns.slice(1).sort()).toEqual(copied.map((source) => `!${source}`).sort());
  });
});
