import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDiscordEmulator } from '../emulators/discord/index.js';
import { emulatorEnv } from '../e2e/compiledBot.js';
import { storeReader, type BenchTarget, type StartTarget } from './benchTarget.js';
import { waitUntil } from './benchDriver.js';
import { startGeminiInWorker } from './benchGemini.js';
import { startScriptEnvironment, startScriptNodeFlags } from './startScriptFlags.js';
import { watchBotOutput, type BotOutput } from './watchBotOutput.js';

/** The compiled entry points: the bot as `npm start` runs it (dist/test/bench/ → dist/src/main.js), and the yardstick beside this file. */
const ENTRY = { bot: path.resolve(import.meta.dirname, '../../src/main.js'), minimal: path.resolve(import.meta.dirname, 'minimalBot.js') };
const START_TIMEOUT_MS = 15_000;

export interface BotProcessOptions {
  /** Default: a fresh SQLite file in a temp folder. */
  databaseUrl?: string;
  /** Empties a shared store before each start, so no phase inherits another's data. */
  resetStore?: () => Promise<void>;
  /** Run under the sharding manager with this many shards (SHARDS), all allowed to identify at once. */
  shards?: number;
  /** 'minimal': minimalBot.ts instead of the bot, with the same Node flags, emulators and settings. */
  program?: 'bot' | 'minimal';
}

/**
 * The bot in a process of its own, against emulators in this one: its memory
 * is then its own, which the RSS target is about.
 */
export const startBotProcess: StartTarget = botProcess();

/** startBotProcess on another store, or sharded. */
export function botProcess(options: BotProcessOptions = {}): StartTarget {
  return (env) => start(env, options);
}

async function start(env: Record<string, string>, options: BotProcessOptions): Promise<BenchTarget> {
  await options.resetStore?.();
  const shardOptions = options.shards ? { recommendedShards: options.shards, maxConcurrency: options.shards } : {};
  const [discord, gemini] = await Promise.all([startDiscordEmulator(shardOptions), startGeminiInWorker()]);
  const directory = await mkdtemp(path.join(tmpdir(), 'bot-bench-'));
  const databaseUrl = options.databaseUrl ?? `sqlite://${directory}/data/bot.sqlite`;
  const program = options.program ?? 'bot';
  // BENCH_NODE_FLAGS: more Node flags for both bot processes, those NODE_OPTIONS refuses (--cpu-prof, --trace-gc…).
  const extraFlags = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...startScriptNodeFlags(), ...extraFlags, ENTRY[program]], {
    cwd: directory, // no .env there: only the settings below
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      // The allocator settings `npm start` gives the process (MALLOC_ARENA_MAX…): glibc reads them as the process starts.
      ...startScriptEnvironment(),
      ...emulatorEnv(discord, gemini),
      // BENCH_NODE_OPTIONS tries more V8 flags on both bot processes (the start script's own flags still apply).
      ...(process.env['BENCH_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] } : {}),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'debug', // as the e2e harness runs it
      ...(options.shards ? { SHARDS: String(options.shards) } : {}),
      ...env,
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const output = watchBotOutput(child.stdout!);
  let stopped = false;
  let peaksAtStop = new Map<number, number>();
  // The manager says when every shard is online; a single process, when it is.
  await waitForOnline(child, output, exited, options.shards ? 'all shards are online' : 'bot is online').catch(async (error: unknown) => {
    await Promise.all([discord.close(), gemini.close(), rm(directory, { recursive: true, force: true })]);
    throw error;
  });
  // Sharded, the child is the manager, whose memory says nothing about the bot's: the shard processes hold the bot.
  const botPids = (): ReadonlyMap<number, number | undefined> => (options.shards ? output.shardPids : new Map([[0, child.pid]]));
  const records = storeReader(databaseUrl);

  return {
    discord,
    gemini,
    databaseUrl,
    // The emulator's two guilds fall on different shards of two: alternating between them keeps both shard processes working.
    imagineChannelIds: options.shards ? [discord.channelId, discord.secondGuildChannelId] : [discord.channelId],
    async stopBot() {
      if (stopped) return;
      stopped = true;
      peaksAtStop = await peakRssByShard(botPids()); // gone with the processes
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the bot process exited with ${code} on SIGTERM`);
    },
    botPeakRssBytes: async () => (stopped ? peaksAtStop : peakRssByShard(botPids())),
    // The minimal bot keeps its history in its own shape and says what it stored; the bot's record is read.
    waitForStoredTurns:
      program === 'minimal'
        ? (threadId, turns) => waitUntil(() => (output.storedTurns.get(threadId) ?? 0) >= turns, 60_000)
        : records.waitForTurns,
    generationsByShard: () => new Map(output.generationsByShard),
    generationPhases: () => [...output.generationPhases],
    async close() {
      if (!stopped) {
        stopped = true;
        // Extra flags may write their output at exit (--cpu-prof): the bot then stops as SIGTERM stops it, killed only if it hangs.
        child.kill(extraFlags.length > 0 ? 'SIGTERM' : 'SIGKILL');
        if (extraFlags.length > 0) setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }
      await exited;
      await records.close();
      // Shards leave when their manager does; once the last one has, every line they wrote has been read.
      await output.closed;
      await Promise.all([discord.close(), gemini.close()]);
      await rm(directory, { recursive: true, force: true });
      if (discord.unexpectedRequests.length > 0) throw new Error('the bot made requests the Discord emulator did not expect');
    },
  };
}

/** Resolves on the log line `message`; rejects if the bot exits or takes too long first. */
async function waitForOnline(child: ChildProcess, output: BotOutput, exited: Promise<number | null>, message: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  const failure = Promise.race([
    exited.then((code) => `exited with ${code} before it came online`),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`did not come online within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS))),
  ]);
  const problem = await Promise.race([output.logged(message).then(() => undefined), failure]);
  clearTimeout(timer);
  if (problem === undefined) return;
  child.kill('SIGKILL');
  throw new Error(`the bot process ${problem}\n${stderr}`);
}

/** Each process's peak resident set, by shard id; a process the kernel does not report on is left out. */
async function peakRssByShard(pids: ReadonlyMap<number, number | undefined>): Promise<Map<number, number>> {
  const peaks = new Map<number, number>();
  for (const [shard, pid] of pids) {
    const peak = await peakRssOf(pid);
    if (peak !== undefined) peaks.set(shard, peak);
  }
  return peaks;
}

/** Linux's high-water mark of the process's resident set (VmHWM, in kB); undefined elsewhere. */
async function peakRssOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const match = status ? /^VmHWM:\s+(\d+) kB/m.exec(status) : null;
  return match ? Number(match[1]) * 1024 : undefined;
}
