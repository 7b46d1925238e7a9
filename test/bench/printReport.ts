export interface Figure {
  name: string;
  measured: number;
  unit: 'ms' | 'MB' | 'kB' | '';
  /** Upper bound from the issue; figures without one are reported for information. */
  target?: number;
}

/** Decimal units, as the targets and the emulator's `imageBytes` use them. */
export function megabytes(bytes: number): number {
  return bytes / 1e6;
}

export function kilobytes(bytes: number): number {
  return bytes / 1e3;
}

/** A plain-text table: figure, measured value, target, PASS/MISS (or "info"). */
export function formatReport(figures: readonly Figure[]): string {
  const rows = figures.map((figure) => [
    figure.name,
    withUnit(figure.measured, figure.unit),
    figure.target === undefined ? '-' : `< ${withUnit(figure.target, figure.unit)}`,
    figure.target === undefined || Number.isNaN(figure.measured) ? 'info' : figure.measured < figure.target ? 'PASS' : 'MISS',
  ]);
  const header = ['figure', 'measured', 'target', 'result'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function withUnit(value: number, unit: Figure['unit']): string {
  // Infinity stands for "never" (an interaction Discord dropped was never acknowledged); NaN for "not measured".
  if (Number.isNaN(value)) return 'n/a';
  const number = !Number.isFinite(value) ? 'never' : Number.isInteger(value) || value >= 100 ? value.toFixed(0) : value.toFixed(1);
  return unit && Number.isFinite(value) ? `${number} ${unit}` : number;
}
