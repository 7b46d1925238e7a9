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

export interface PhaseNames {
  sequential: string;
  burst: string;
  thread: string;
  threadEdits: string;
}

export interface PhaseResults {
  overheadMs: number[];
  burst: BurstResult;
  storage: StorageResult;
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
  const names = phaseNames(workload);
  // One emulated member sends the whole burst: lifting the per-member cap (2 by default) lets it stand for as many members.
  const env = { MAX_REQUESTS_PER_USER: String(workload.burst) };
  const emulatorHeldBytes = new Map<string, number>();
  const botPeakRssBytes = new Map<string, Map<number, number>>();
  const generationsByShard = new Map<string, Map<number, number>>();
  const generationPhases = new Map<string, GenerationPhases[]>();
  const inPhase = async <T>(name: string, measure: (target: BenchTarget) => Promise<T>): Promise<T> => {
    onPhase(name);
    const target = await start(env);
    try {
      const result = await measure(target);
      emulatorHeldBytes.set(name, emulatorHeldAttachmentBytes(target));
      const botPeaks = await target.botPeakRssBytes(); // before close(): the peak goes with the process
      if (botPeaks.size > 0) botPeakRssBytes.set(name, botPeaks);
      return result;
    } finally {
      await target.close();
      // After close(): the bot's last log lines have all been read by then.
      const generations = target.generationsByShard();
      if (generations.size > 0) generationsByShard.set(name, generations);
      const phases = target.generationPhases();
      if (phases.length > 0) generationPhases.set(name, phases);
    }
  };
  const { imageBytes } = workload;
  const overheadMs = await inPhase(names.sequential, (target) =>
    measureOverhead(target, { warmups: workload.warmups, generations: workload.generations, imageBytes }),
  );
  const burst = await inPhase(names.burst, (target) => measureBurstAcks(target, { interactions: workload.burst, imageBytes }));
  const storage = await inPhase(names.thread, (target) => measureStorage(target, { turns: workload.conversationTurns, imageBytes }));
  const threadEditMs = await inPhase(names.threadEdits, (target) =>
    measureThreadEdits(target, { historyTurns: workload.threadHistoryTurns, edits: workload.threadEdits, imageBytes }),
  );
  return { overheadMs, burst, storage, threadEditMs, emulatorHeldBytes, botPeakRssBytes, generationsByShard, generationPhases };
}
