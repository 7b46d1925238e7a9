import type { Figure } from './printReport.js';

/** One figure measured on both bots; the target bounds either the ratio bot / minimal, or the bot's own value. */
export interface ComparedFigure {
  name: string;
  bot: number;
  minimal: number;
  unit: Figure['unit'];
  target?: { of: 'ratio'; atMost: number } | { of: 'bot'; below: number } | undefined;
}

/**
 * A plain-text table: each figure for this bot and the minimal one, their
 * ratio, and PASS/MISS against the target. Ratios of the same run are what
 * to read on a busy machine: both bots met the same load, phase by phase.
 */
export function formatComparison(figures: readonly ComparedFigure[]): string {
  const rows = figures.map((figure) => {
    const ratio = figure.bot / figure.minimal;
    const target = figure.target;
    const bound = !target ? '-' : target.of === 'ratio' ? `ratio <= ${target.atMost.toFixed(2)}` : `< ${withUnit(target.below, figure.unit)}`;
    const checked = !target ? undefined : target.of === 'ratio' ? ratio : figure.bot;
    const passes = !target ? undefined : target.of === 'ratio' ? ratio <= target.atMost : figure.bot < target.below;
    const result = checked === undefined || Number.isNaN(checked) ? 'info' : passes ? 'PASS' : 'MISS';
    return [figure.name, withUnit(figure.bot, figure.unit), withUnit(figure.minimal, figure.unit), Number.isFinite(ratio) ? ratio.toFixed(2) : 'n/a', bound, result];
  });
  const header = ['figure', 'this bot', 'minimal bot', 'bot / minimal', 'target', 'result'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function withUnit(value: number, unit: Figure['unit']): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return 'never';
  const number = Number.isInteger(value) || value >= 100 ? value.toFixed(0) : value.toFixed(1);
  return unit ? `${number} ${unit}` : number;
}
