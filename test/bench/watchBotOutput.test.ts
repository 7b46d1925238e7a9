import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchBotOutput } from './watchBotOutput.js';

// Lines as pino writes them: its own pid is the writer's (the manager's on "shard process started").
const shardStarted = (shard: number, pid: number) => `{"level":30,"pid":100,"shard":${shard},"shardPid":${pid},"msg":"shard process started"}\n`;
const generationFinished = (shard: number) => `{"level":30,"pid":${200 + shard},"shard":${shard},"outcome":"images","msg":"generation finished"}\n`;

describe('reading the bot’s log lines in the bench', () => {
  it('takes each shard’s pid from the manager’s lines, even when a line arrives in pieces', () => {
    const stdout = new PassThrough();
    const output = watchBotOutput(stdout);
    const line = shardStarted(1, 4321);
    stdout.write(shardStarted(0, 1234) + line.slice(0, 20));
    stdout.write(line.slice(20));
    expect([...output.shardPids]).toEqual([
      [0, 1234],
      [1, 4321],
    ]);
  });

  it('counts finished generations per shard, an unsharded bot’s as shard 0, and skips a line it cannot parse', async () => {
    const stdout = new PassThrough();
    const output = watchBotOutput(stdout);
    stdout.write(generationFinished(1) + generationFinished(0) + generationFinished(1));
    stdout.write('{"level":30,"pid":300,"outcome":"images","msg":"generation finished"}\n');
    stdout.write('{"level":30,"shard":0,"half a line{"level":30,"msg":"generation finished"}\n');
    stdout.end(generationFinished(1).trimEnd()); // the last line, with no newline before the pipe closes
    await once(stdout, 'end');
    expect(output.generationsByShard).toEqual(
      new Map([
        [1, 3],
        [0, 2],
      ]),
    );
  });

  it('keeps each turn’s timed steps with its thread, in the order logged, and ignores a line without them', async () => {
    const stdout = new PassThrough();
    const output = watchBotOutput(stdout);
    stdout.write('{"level":20,"phases":{"gemini":48.2,"upload":10},"msg":"turn steps timed"}\n');
    stdout.write('{"level":30,"threadId":"42","outcome":"images","phases":{"gemini":426},"msg":"generation finished"}\n');
    stdout.write('{"level":20,"threadId":"42","phases":{"gemini":426,"save":49.5},"msg":"turn steps timed"}\n');
    stdout.end('{"level":20,"msg":"turn steps timed"}\n');
    await once(stdout, 'end');
    expect(output.generationPhases).toEqual([
      { threadId: undefined, phases: { gemini: 48.2, upload: 10 } },
      { threadId: '42', phases: { gemini: 426, save: 49.5 } },
    ]);
  });

  it('keeps the turns each thread holds from the minimal bot’s lines, the latest line winning', async () => {
    const stdout = new PassThrough();
    const output = watchBotOutput(stdout);
    stdout.write('{"time":1,"threadId":"42","turns":2,"msg":"turn stored"}\n{"time":2,"threadId":"7","turns":2,"msg":"turn stored"}\n');
    stdout.end('{"time":3,"threadId":"42","turns":3,"msg":"turn stored"}\n{"time":4,"msg":"turn stored"}\n');
    await once(stdout, 'end');
    expect(output.storedTurns).toEqual(
      new Map([
        ['42', 3],
        ['7', 2],
      ]),
    );
  });

  it('announces a message once it is logged, and at once when it already was', async () => {
    const stdout = new PassThrough();
    const output = watchBotOutput(stdout);
    const online = output.logged('all shards are online');
    stdout.write('{"level":30,"msg":"all shards are online"}\n');
    await online;
    await output.logged('all shards are online');
    stdout.end();
    await output.closed;
  });
});
