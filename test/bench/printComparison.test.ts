import { describe, expect, it } from 'vitest';
import { formatComparison } from './printComparison.js';

/** The result column of each row, by figure name. */
function results(table: string): Record<string, string> {
  const rows = table.split('\n').slice(2);
  return Object.fromEntries(rows.map((row) => [row.split(/\s{2,}/)[0], row.split(/\s{2,}/).at(-1)]));
}

describe('the bench’s side-by-side table of the bot and the minimal bot', () => {
  it('checks a ratio target against bot / minimal, including the bound itself', () => {
    const table = formatComparison([
      { name: 'new image', bot: 58, minimal: 50, unit: 'ms', target: { of: 'ratio', atMost: 1.16 } },
      { name: 'new image, slower', bot: 59, minimal: 50, unit: 'ms', target: { of: 'ratio', atMost: 1.16 } },
      { name: 'thread edit', bot: 300, minimal: 1200, unit: 'ms', target: { of: 'ratio', atMost: 0.3 } },
    ]);
    expect(results(table)).toEqual({ 'new image': 'PASS', 'new image, slower': 'MISS', 'thread edit': 'PASS' });
    expect(table).toContain('1.16');
    expect(table).toContain('0.25');
  });

  it('checks a bound on the bot’s own value whatever the minimal bot measured, and reports figures without a target as info', () => {
    const table = formatComparison([
      { name: 'ack p99', bot: 120, minimal: 40, unit: 'ms', target: { of: 'bot', below: 100 } },
      { name: 'peak RSS', bot: 280, minimal: 400, unit: 'MB', target: { of: 'bot', below: 300 } },
      { name: 'ack p50', bot: 80, minimal: 30, unit: 'ms' },
      { name: 'not measured', bot: Number.NaN, minimal: 30, unit: 'ms', target: { of: 'bot', below: 100 } },
    ]);
    expect(results(table)).toEqual({ 'ack p99': 'MISS', 'peak RSS': 'PASS', 'ack p50': 'info', 'not measured': 'info' });
    expect(table).toMatch(/peak RSS\s+280 MB\s+400 MB\s+0\.70\s+< 300 MB\s+PASS/);
  });
});
