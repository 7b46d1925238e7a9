import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REDIS_INSTALL_COMMAND, redisServerInstalled } from './servers.js';

/**
 * Redis, unlike PostgreSQL, has no npm package with a real server, so the
 * tests that need it run only where `redis-server` is on the PATH. Without
 * it they are skipped (`describe.skipIf(withoutRedis)`), and the run says so
 * once, loudly, with the command that installs it. CI sets
 * REQUIRE_REDIS_TESTS=1: there nothing is skipped, and a missing server
 * fails the tests that need it when they start it.
 */
const redisRequired = process.env['REQUIRE_REDIS_TESTS'] === '1';

/** True when this run skips the tests that need Redis. */
export const withoutRedis: boolean = !redisRequired && !redisServerInstalled();

if (withoutRedis && firstFileOfThisRunToSay()) {
  console.warn(`⚠ REDIS TESTS NOT RUN: redis-server is not on the PATH. To run them: ${REDIS_INSTALL_COMMAND}`);
}

/**
 * Test files run in worker processes, all children of one vitest process:
 * the first to create a marker named after that parent speaks for the run.
 */
function firstFileOfThisRunToSay(): boolean {
  try {
    closeSync(openSync(path.join(tmpdir(), `bot-tests-redis-notice-${process.ppid}`), 'wx'));
    return true;
  } catch {
    return false;
  }
}
