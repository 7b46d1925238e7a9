import { percentile } from './percentile.js';
import type { GenerationPhases } from './watchBotOutput.js';

/** The steps runTurn and deliverAndStore lap, in turn order, with what each covers. */
const STEPS: ReadonlyArray<{ phase: string; group: string; covers: string }> = [
  { phase: 'admission', group: 'before Gemini', covers: 'Gemini queue admission, the thread’s line' },
  { phase: 'acknowledged', group: 'before Gemini', covers: 'claim, the deferred reply acknowledged' },
  { phase: 'access', group: 'before Gemini', covers: 'server settings, member access' },
  { phase: 'storeLoad', group: 'before Gemini', covers: 'conversation record loaded' },
  { phase: 'plan', group: 'before Gemini', covers: 'planTurn, reference precheck' },
  { phase: 'usageHold', group: 'before Gemini', covers: 'usage hold (limits, budget)' },
  { phase: 'slot', group: 'before Gemini', covers: 'a Gemini slot' },
  { phase: 'references', group: 'before Gemini', covers: 'reference images downloaded' },
  { phase: 'prepare', group: 'before Gemini', covers: 'history chosen under the budget' },
  { phase: 'gemini', group: 'Gemini call', covers: 'body streamed, answer read, JSON parsed' },
  { phase: 'answerCheck', group: 'the answer', covers: 'images decoded and checked (sharp)' },
  { phase: 'statusSettled', group: 'the answer', covers: 'status note settled' },
  { phase: 'upload', group: 'upload', covers: 'rendered, fitted, POSTed to Discord (log line, metrics, usage commit started)' },
  { phase: 'save', group: 'storing', covers: 'blob puts, record saved' },
  { phase: 'thread', group: 'storing', covers: 'thread opened (new conversation)' },
];

export interface PhaseSamples {
  title: string;
  samples: readonly GenerationPhases[];
}

/**
 * p50 and p95 of each step, one pair of columns per kind of turn, and of
 * their sum (the percentiles of the per-turn sums, not a sum of percentiles).
 * A step a turn never reached (no thread to open in a thread) is left blank.
 */
export function formatPhaseTable(columns: readonly PhaseSamples[]): string {
  const known = new Set(STEPS.map((step) => step.phase));
  const extra = [...new Set(columns.flatMap((column) => column.samples.flatMap((sample) => Object.keys(sample.phases))))].filter((phase) => !known.has(phase));
  const steps = [...STEPS, ...extra.map((phase) => ({ phase, group: '?', covers: '(not described in printPhaseTable.ts)' }))];
  const cell = (values: number[]) => (values.length === 0 ? '' : `${format(percentile(values, 50))} / ${format(percentile(values, 95))}`);
  const rows = steps.map((step) => [
    step.group,
    `${step.phase}: ${step.covers}`,
    ...columns.map((column) => cell(column.samples.flatMap((sample) => sample.phases[step.phase] ?? []))),
  ]);
  rows.push(['', 'all steps (sum per turn)', ...columns.map((column) => cell(column.samples.map((sample) => Object.values(sample.phases).reduce((sum, ms) => sum + ms, 0))))]);
  const header = ['', 'step (ms, p50 / p95)', ...columns.map((column) => `${column.title} (n=${column.samples.length})`)];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => (row[index] ?? '').length)));
  const line = (cells: string[]) => cells.map((text, index) => (index < 2 ? text.padEnd(widths[index]!) : text.padStart(widths[index]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function format(ms: number): string {
  return ms >= 10 ? ms.toFixed(0) : ms.toFixed(1);
}
