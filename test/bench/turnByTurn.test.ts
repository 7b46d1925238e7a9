import { describe, expect, it } from 'vitest';
import { inLockstep, type TurnByTurn } from './turnByTurn.js';

function recording(name: string, turns: number, log: string[]): TurnByTurn<string> {
  return {
    turns,
    async runTurn(index) {
      log.push(`${name}${index} starts`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`${name}${index} ends`);
    },
    result: () => `${name} done`,
  };
}

describe('measuring bots side by side, turn by turn', () => {
  it('runs one turn of each in turn, each to its end before the next starts, and the longer one on alone', async () => {
    const log: string[] = [];
    const results = await inLockstep([recording('a', 2, log), recording('b', 3, log)]);
    expect(results).toEqual(['a done', 'b done']);
    expect(log).toEqual(['a0 starts', 'a0 ends', 'b0 starts', 'b0 ends', 'a1 starts', 'a1 ends', 'b1 starts', 'b1 ends', 'b2 starts', 'b2 ends']);
  });
});
