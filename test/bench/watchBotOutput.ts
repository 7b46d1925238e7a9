import type { Readable } from 'node:stream';

/** Where one generation's time went, as the bot logged it once the turn was stored ("turn steps timed", debug; `phases` in ms). */
export interface GenerationPhases {
  /** The thread continued; undefined for a new conversation (/imagine). */
  threadId: string | undefined;
  phases: Record<string, number>;
}

/** What the bench learns from a bot process's stdout: pino's JSON lines, one object a line. */
export interface BotOutput {
  /** Resolves on the first line logged with this `msg`, or at once if one already came. */
  logged(message: string): Promise<void>;
  /** Sharded: each shard's process id, from the manager's "shard process started" lines (a restarted shard's newest). */
  shardPids: ReadonlyMap<number, number>;
  /** "generation finished" lines per shard; an unsharded bot is shard 0 of 1, as Discord counts it. */
  generationsByShard: ReadonlyMap<number, number>;
  /** Each finished generation's steps, in the order logged (sharded: the shards' lines interleaved). */
  generationPhases: readonly GenerationPhases[];
  /** The minimal bot's "turn stored" lines: the turns each thread's history holds, by thread id. */
  storedTurns: ReadonlyMap<string, number>;
  /** Resolves when the pipe closes: every writer gone, the shards included, since they inherit the manager's stdout. */
  closed: Promise<void>;
}

/**
 * Reads the bot's stdout for good, so the bot never blocks on a full pipe.
 * Only the few messages the bench counts are parsed, to keep this process's
 * event loop (the emulators') free for the figures it times.
 */
export function watchBotOutput(stdout: Readable): BotOutput {
  const seen = new Set<string>();
  const waiters = new Map<string, Array<() => void>>();
  const shardPids = new Map<number, number>();
  const generationsByShard = new Map<number, number>();
  const generationPhases: GenerationPhases[] = [];
  const storedTurns = new Map<string, number>();
  const onLine = (line: string) => {
    const message = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
    if (message === undefined) return;
    if (!seen.has(message)) {
      seen.add(message);
      for (const resolve of waiters.get(message) ?? []) resolve();
      waiters.delete(message);
    }
    if (message === 'shard process started') {
      // `shardPid`: pino's own `pid` on the line is the manager's.
      const fields = parseLine(line);
      if (typeof fields?.['shard'] === 'number' && typeof fields['shardPid'] === 'number') shardPids.set(fields['shard'], fields['shardPid']);
    } else if (message === 'generation finished') {
      const fields = parseLine(line);
      if (!fields) return;
      const shard = typeof fields['shard'] === 'number' ? fields['shard'] : 0;
      generationsByShard.set(shard, (generationsByShard.get(shard) ?? 0) + 1);
    } else if (message === 'turn steps timed') {
      const fields = parseLine(line);
      const phases = readPhases(fields?.['phases']);
      if (phases) generationPhases.push({ threadId: typeof fields?.['threadId'] === 'string' ? fields['threadId'] : undefined, phases });
    } else if (message === 'turn stored') {
      const fields = parseLine(line);
      if (typeof fields?.['threadId'] === 'string' && typeof fields['turns'] === 'number') storedTurns.set(fields['threadId'], fields['turns']);
    }
  };

  stdout.setEncoding('utf8'); // a character split across chunks is decoded whole
  let partial = '';
  stdout.on('data', (chunk: string) => {
    // A line may arrive split across chunks: keep the unfinished tail for the next one.
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stdout.once('end', () => partial && onLine(partial));
  const closed = new Promise<void>((resolve) => stdout.once('close', resolve));

  return {
    logged(message) {
      if (seen.has(message)) return Promise.resolve();
      return new Promise((resolve) => waiters.set(message, [...(waiters.get(message) ?? []), resolve]));
    },
    shardPids,
    generationsByShard,
    generationPhases,
    storedTurns,
    closed,
  };
}

/**
 * Shards write to one pipe; a write of up to 4 kB (PIPE_BUF) lands whole, so
 * a short line is never cut, but a longer one can be interleaved with another
 * process's and then fails to parse: such a line is skipped, not fatal.
 */
function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The `phases` object of a generation's line: step name to milliseconds; undefined when absent or not that shape. */
function readPhases(value: unknown): Record<string, number> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entries = Object.entries(value);
  return entries.every(([, ms]) => typeof ms === 'number') ? Object.fromEntries(entries) : undefined;
}
