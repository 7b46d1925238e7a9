import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@keyv/redis';
import pg from 'pg';
import { embeddedPostgres, type PostgresBinaries } from './embeddedPostgres.js';

/**
 * Private Redis and PostgreSQL servers for the store tests: real servers,
 * started on free loopback ports in temp folders, with nothing kept on disk
 * that matters. PostgreSQL comes from npm (embeddedPostgres.ts); Redis from
 * the machine, and the tests that need it are skipped without it
 * (withoutRedis.ts).
 */
const START_TIMEOUT_MS = 15_000;
export const REDIS_INSTALL_COMMAND = 'sudo apt-get install redis-server (macOS: brew install redis)';

/** The commands the tests send Redis behind the bot's back. */
export interface RedisAdmin {
  set(key: string, value: string): Promise<unknown>;
  configSet(parameter: string, value: string): Promise<unknown>;
  keys(pattern: string): Promise<string[]>;
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisServer {
  url: string;
  /** A client of its own, for flushing between tests and for writing what the bot never would. */
  admin: RedisAdmin;
  /** Empties every database and lifts any memory limit a test set. */
  reset(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP) until the returned function is called: connections stay open and nothing
   * answers, as with a hung server, for as long as the test needs rather than for a guessed time.
   * The admin client hangs too meanwhile.
   */
  hang(): () => void;
  stop(): Promise<void>;
}

export interface PostgresServer {
  /** The `bot` database, with a password the server never checks (trust), so tests can see it redacted. */
  url: string;
  /** Runs SQL as the superuser in the bot's database. */
  query(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Runs SQL as the superuser in the `postgres` database, which outlives cutting the bot database's connections. */
  adminQuery(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Drops the bot's table and any setting a test put on its database. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  if (!redisServerInstalled()) throw new Error(`redis-server is not on the PATH: ${REDIS_INSTALL_COMMAND}`);
  const directory = await mkdtemp(path.join(tmpdir(), 'bot-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await waitForOutput(child, /Ready to accept connections/, 'redis-server');
  const url = `redis://127.0.0.1:${port}`;
  const admin = createClient({ url });
  await admin.connect();
  return {
    url,
    admin,
    async reset() {
      await admin.configSet('maxmemory', '0');
      await admin.flushAll();
    },
    hang() {
      child.kill('SIGSTOP');
      return () => void child.kill('SIGCONT');
    },
    async stop() {
      process.off('exit', killOnExit);
      await admin.close();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = await embeddedPostgres();
  const directory = await mkdtemp(path.join(tmpdir(), 'bot-pg-'));
  // As root, the data folder belongs to the unprivileged user PostgreSQL runs as.
  if (bin.user) await chown(directory, bin.user.uid, bin.user.gid);
  const run = (command: string, args: string[]) => runChecked(command, args, bin.user);
  const data = path.join(directory, 'data');
  const port = await freePort();
  run(bin.initdb, ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  // fsync and friends off: the data is thrown away after the tests, and writes get much faster.
  const serverOptions = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run(bin.pgCtl, ['-D', data, '-o', serverOptions, '-l', path.join(directory, 'server.log'), '-w', '-t', String(START_TIMEOUT_MS / 1000), 'start']);
  const stopServer = () => run(bin.pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
  process.once('exit', stopServer);
  const admin = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 2 });
  await admin.query('CREATE DATABASE bot');
  const botDatabase = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/bot`, max: 1 });
  // A test that cuts the bot's connections cuts this idle one too; the pool reconnects on its next query.
  botDatabase.on('error', () => undefined);
  return {
    url: `postgres://postgres:pg-test-password@127.0.0.1:${port}/bot`,
    query: (sql, values) => botDatabase.query(sql, values),
    adminQuery: (sql, values) => admin.query(sql, values),
    async reset() {
      await admin.query('ALTER DATABASE bot RESET ALL');
      // On a connection of its own, opened after the reset: the pool's may have been cut by the last test
      // (pg_terminate_backend) or opened while it made the database read-only, and a session keeps that setting.
      const fresh = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/bot` });
      await fresh.connect();
      try {
        await fresh.query('DROP TABLE IF EXISTS keyv, bot_leases');
      } finally {
        await fresh.end();
      }
    },
    async stop() {
      process.off('exit', stopServer);
      await Promise.all([admin.end(), botDatabase.end()]);
      stopServer();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export function redisServerInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
}

function runChecked(command: string, args: string[], user: PostgresBinaries['user']): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: START_TIMEOUT_MS, ...user });
  if (result.status !== 0) {
    throw new Error(`${[command, ...args].join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
  }
}

/** A port the OS just handed out; the server binds it a moment later (the window for a clash is tiny on a test machine). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

async function waitForOutput(child: ChildProcess, ready: RegExp, name: string): Promise<void> {
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output}`));
    });
  });
  // Keep reading so a full pipe never blocks the server.
  child.stdout?.resume();
  child.stderr?.resume();
}
