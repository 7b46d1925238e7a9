import { emulatorHeldAttachmentBytes } from './benchDriver.js';
import type { BenchTarget, StartTarget } from './benchTarget.js';
import { measureBurstAcks, type BurstResult } from './measureBurstAcks.js';
import { measureOverhead } from './measureOverhead.js';
import { measureStorage, type StorageResult } from './measureStorage.js';

export interface Workload {
  imageBytes: number;
  warmups: number;
  generations: number;
  burst: number;
  conversationTurns: number;
}

export interface PhaseNames {
  sequential: string;
  burst: string;
  thread: string;
}

export interface PhaseResults {
  overheadMs: number[];
  burst: BurstResult;
  storage: StorageResult;
  /** Per phase: image bytes the Discord emulator held in memory at its end. */
  emulatorHeldBytes: Map<string, number>;
  /** Per phase: the bot process's peak resident set, when it ran apart. */
  botPeakRssBytes: Map<string, number>;
}

export function phaseNames(workload: Workload): PhaseNames {
  return {
    sequential: `${workload.generations} sequential generations`,
    burst: `${workload.burst} interactions at once`,
    thread: `${workload.conversationTurns} turns in one thread`,
  };
}

/**
 * The three measurements, each on a fresh bot, emulators and database, so
 * none inherits another's data. `onPhase` announces each before it starts.
 */
export async function runPhases(start: StartTarget, workload: Workload, onPhase: (name: string) => void): Promise<PhaseResults> {
  const names = phaseNames(workload);
  // One emulated member sends the whole burst: lifting the per-member cap (2 by default) lets it stand for as many members.
  const env = { MAX_REQUESTS_PER_USER: String(workload.burst) };
  const emulatorHeldBytes = new Map<string, number>();
  const botPeakRssBytes = new Map<string, number>();
  const inPhase = async <T>(name: string, measure: (target: BenchTarget) => Promise<T>): Promise<T> => {
    onPhase(name);
    const target = await start(env);
    try {
      const result = await measure(target);
      emulatorHeldBytes.set(name, emulatorHeldAttachmentBytes(target));
      const botPeak = await target.botPeakRssBytes();
      if (botPeak !== undefined) botPeakRssBytes.set(name, botPeak);
      return result;
    } finally {
      await target.close();
    }
  };
  const { imageBytes } = workload;
  const overheadMs = await inPhase(names.sequential, (target) =>
    measureOverhead(target, { warmups: workload.warmups, generations: workload.generations, imageBytes }),
  );
  const burst = await inPhase(names.burst, (target) => measureBurstAcks(target, { interactions: workload.burst, imageBytes }));
  const storage = await inPhase(names.thread, (target) => measureStorage(target, { turns: workload.conversationTurns, imageBytes }));
  return { overheadMs, burst, storage, emulatorHeldBytes, botPeakRssBytes };
}
