import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { expect, vi } from 'vitest';

export type LogLine = Record<string, unknown>;

/** Everything a bot process logs (JSON lines; shards share their manager's stdout), as it arrives. */
export function collectLogLines(child: ChildProcess): LogLine[] {
  const lines: LogLine[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    // Shards share one pipe: a long line can interleave with another process's and not parse. Skipped, never thrown.
    for (const line of complete) {
      try {
        if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      } catch {
        continue;
      }
    }
  });
  return lines;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The compiled bot in a process of its own (a sharding manager when SHARDS is set), and what it says. */
export interface BotProcess {
  child: ChildProcess;
  logs: LogLine[];
  stderr(): string;
  /** The process id of every shard process the manager started, in order (restarts included). */
  shardPids(): number[];
  /** Resolves once a line logged `msg` with these fields. */
  logged(msg: string, fields?: LogLine, timeoutMs?: number): Promise<void>;
  /** SIGKILLs the process and every shard process of it still alive: the clean-up after a test. */
  killAll(): void;
}

export function spawnBot(entry: string, env: Record<string, string>, cwd = tmpdir()): BotProcess {
  const child = spawn(process.execPath, [entry], { cwd, env });
  const logs = collectLogLines(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const shardPids = () => logs.filter((line) => line['msg'] === 'shard process started').map((line) => line['shardPid'] as number);
  const matches = (line: LogLine, msg: string, fields: LogLine) => line['msg'] === msg && Object.entries(fields).every(([key, value]) => line[key] === value);
  return {
    child,
    logs,
    stderr: () => stderr,
    shardPids,
    logged: (msg, fields = {}, timeoutMs = 20_000) =>
      vi.waitFor(() => expect(logs.some((line) => matches(line, msg, fields)), stderr).toBe(true), { timeout: timeoutMs, interval: 20 }),
    killAll() {
      for (const pid of [child.pid, ...shardPids()]) if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}
