import { emulatorHeldAttachmentBytes } from './benchDriver.js';
import type { BenchTarget, StartTarget } from './benchTarget.js';
import { measureBurstAcks, type BurstResult } from './measureBurstAcks.js';
import { measureOverhead } from './measureOverhead.js';
import { measureStorage, type StorageResult } from './measureStorage.js';
import { measureThreadEdits } from './measureThreadEdits.js';
import { inLockstep } from './turnByTurn.js';
import type { GenerationPhases } from './watchBotOutput.js';

export interface Workload {
  imageBytes: number;
  warmups: number;
  generations: number;
  burst: number;
  conversationTurns: number;
  /** A long thread's edits: this many turns first, then `threadEdits` timed ones. */
  threadHistoryTurns: number;
  threadEdits: number;
}

export type Phase = 'sequential' | 'burst' | 'thread' | 'threadEdits';
export type PhaseNames = Record<Phase, string>;
const ALL_PHASES: readonly Phase[] = ['sequential', 'burst', 'thread', 'threadEdits'];

export interface PhaseResults {
  overheadMs: number[];
  burst: BurstResult;
  /** Undefined when the storage phase was not run (the minimal bot's storage is not the bot's concern). */
  storage: StorageResult | undefined;
  /** Per timed edit of the long thread: the member's message to the bot's image. */
  threadEditMs: number[];
  /** Per phase: each turn's timed steps as the bot process logged them (warm-ups and set-up turns included), when it ran apart. */
  generationPhases: Map<string, GenerationPhases[]>;
  /** Per phase: image bytes the Discord emulator held in memory at its end. */
  emulatorHeldBytes: Map<string, number>;
  /** Per phase, by shard id (an unsharded bot is shard 0): the bot process's peak resident set, when it ran apart. */
  botPeakRssBytes: Map<string, Map<number, number>>;
  /** Per phase, by shard id: the generations the bot logged as finished, when it ran apart (warm-ups included). */
  generationsByShard: Map<string, Map<number, number>>;
}

/** One bot to measure, and the phases it takes part in (all by default). */
export interface Contender {
  start: StartTarget;
  phases?: readonly Phase[];
}

export function phaseNames(workload: Workload): PhaseNames {
  return {
    sequential: `${workload.generations} sequential generations`,
    burst: `${workload.burst} interactions at once`,
    thread: `${workload.conversationTurns} turns in one thread`,
    threadEdits: `${workload.threadEdits} edits, ${workload.threadHistoryTurns}-turn thread`,
  };
}

/**
 * The four measurements, each on a fresh bot, emulators and database, so
 * none inherits another's data. `onPhase` announces each before it starts.
 */
export async function runPhases(start: StartTarget, workload: Workload, onPhase: (name: string) => void): Promise<PhaseResults> {
  const [results] = await runSideBySide([{ start }], workload, (_, name) => onPhase(name));
  return results!;
}

/**
 * The measurements for several bots, side by side. The sequential turns and
 * the thread edits run in lockstep, one turn of each bot in turn (each bot
 * with its own emulators and database, all started before the first turn),
 * so that a change in the machine's load (other work on it) falls on all of
 * them alike and their ratios stay meaningful; the burst and the storage
 * phase run for one bot after the other. Each phase starts fresh bots.
 */
export async function runSideBySide(
  contenders: readonly Contender[],
  workload: Workload,
  onPhase: (contender: number, name: string) => void,
): Promise<PhaseResults[]> {
  const names = phaseNames(workload);
  const { imageBytes } = workload;
  const results = contenders.map(emptyResults);
  for (const phase of ALL_PHASES) {
    const taking = [...contenders.entries()].filter(([, contender]) => (contender.phases ?? ALL_PHASES).includes(phase)).map(([index]) => index);
    const name = names[phase];
    if (phase === 'sequential' || phase === 'threadEdits') {
      for (const index of taking) onPhase(index, name);
      const targets: BenchTarget[] = [];
      try {
        for (const index of taking) targets.push(await startTarget(contenders[index]!.start, workload));
        const measurements = targets.map((target) =>
          phase === 'sequential'
            ? measureOverhead(target, { warmups: workload.warmups, generations: workload.generations, imageBytes })
            : measureThreadEdits(target, { historyTurns: workload.threadHistoryTurns, edits: workload.threadEdits, imageBytes }),
        );
        const measured = await inLockstep(measurements);
        for (const [position, index] of taking.entries()) {
          if (phase === 'sequential') results[index]!.overheadMs = measured[position]!;
          else results[index]!.threadEditMs = measured[position]!;
          await observe(targets[position]!, name, results[index]!);
        }
      } finally {
        for (const [position, target] of targets.entries()) await finish(target, name, results[taking[position]!]!);
      }
      continue;
    }
    for (const index of taking) {
      onPhase(index, name);
      const into = results[index]!;
      const target = await startTarget(contenders[index]!.start, workload);
      try {
        if (phase === 'burst') into.burst = await measureBurstAcks(target, { interactions: workload.burst, imageBytes });
        else into.storage = await measureStorage(target, { turns: workload.conversationTurns, imageBytes });
        await observe(target, name, into);
      } finally {
        await finish(target, name, into);
      }
    }
  }
  return results;
}

function startTarget(start: StartTarget, workload: Workload): Promise<BenchTarget> {
  // One emulated member sends the whole burst: lifting the per-member cap (2 by default) lets it stand for as many members.
  return start({ MAX_REQUESTS_PER_USER: String(workload.burst) });
}

/** What the target reports at the end of a phase, before it closes: held images, peak RSS (which goes with the process). */
async function observe(target: BenchTarget, name: string, into: PhaseResults): Promise<void> {
  into.emulatorHeldBytes.set(name, emulatorHeldAttachmentBytes(target));
  const botPeaks = await target.botPeakRssBytes();
  if (botPeaks.size > 0) into.botPeakRssBytes.set(name, botPeaks);
}

/** Closes the target, then keeps what the bot logged: its last lines have all been read by then. */
async function finish(target: BenchTarget, name: string, into: PhaseResults): Promise<void> {
  await target.close();
  const generations = target.generationsByShard();
  if (generations.size > 0) into.generationsByShard.set(name, generations);
  const phases = target.generationPhases();
  if (phases.length > 0) into.generationPhases.set(name, phases);
}

function emptyResults(): PhaseResults {
  return {
    overheadMs: [],
    burst: { ackMs: [], dropped: 0, allSettledMs: Number.NaN },
    storage: undefined,
    threadEditMs: [],
    generationPhases: new Map(),
    emulatorHeldBytes: new Map(),
    botPeakRssBytes: new Map(),
    generationsByShard: new Map(),
  };
}
