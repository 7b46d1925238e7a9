import { emulatorHeldAttachmentBytes } from './benchDriver.js';
import type { BenchTarget, StartTarget } from './benchTarget.js';
import { measureBurstAcks, type BurstResult } from './measureBurstAcks.js';
import { measureOverhead } from './measureOverhead.js';
import { measureStorage, type StorageResult } from './measureStorage.js';
import { measureThreadEdits } from './measureThreadEdits.js';
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
 * The measurements for several bots, phase by phase: each phase runs for
 * every contender in turn before the next phase starts, so a change in the
 * machine's load (other work on it) falls on all of them alike and their
 * ratios stay meaningful. Each run has a fresh bot, emulators and database.
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
    for (const [index, contender] of contenders.entries()) {
      if (!(contender.phases ?? ALL_PHASES).includes(phase)) continue;
      const name = names[phase];
      onPhase(index, name);
      const into = results[index]!;
      await inPhase(contender.start, workload, name, into, async (target) => {
        switch (phase) {
          case 'sequential':
            into.overheadMs = await measureOverhead(target, { warmups: workload.warmups, generations: workload.generations, imageBytes });
            return;
          case 'burst':
            into.burst = await measureBurstAcks(target, { interactions: workload.burst, imageBytes });
            return;
          case 'thread':
            into.storage = await measureStorage(target, { turns: workload.conversationTurns, imageBytes });
            return;
          case 'threadEdits':
            into.threadEditMs = await measureThreadEdits(target, { historyTurns: workload.threadHistoryTurns, edits: workload.threadEdits, imageBytes });
            return;
        }
      });
    }
  }
  return results;
}

/** One phase on a fresh target, and what the target reports about it: held images, peak RSS, logged steps. */
async function inPhase(start: StartTarget, workload: Workload, name: string, into: PhaseResults, measure: (target: BenchTarget) => Promise<void>): Promise<void> {
  // One emulated member sends the whole burst: lifting the per-member cap (2 by default) lets it stand for as many members.
  const target = await start({ MAX_REQUESTS_PER_USER: String(workload.burst) });
  try {
    await measure(target);
    into.emulatorHeldBytes.set(name, emulatorHeldAttachmentBytes(target));
    const botPeaks = await target.botPeakRssBytes(); // before close(): the peak goes with the process
    if (botPeaks.size > 0) into.botPeakRssBytes.set(name, botPeaks);
  } finally {
    await target.close();
    // After close(): the bot's last log lines have all been read by then.
    const generations = target.generationsByShard();
    if (generations.size > 0) into.generationsByShard.set(name, generations);
    const phases = target.generationPhases();
    if (phases.length > 0) into.generationPhases.set(name, phases);
  }
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
