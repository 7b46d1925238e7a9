import { performance } from 'node:perf_hooks';
import type { BenchTarget } from './benchTarget.js';
import { forgetRequestLogs, imagineChannel, waitUntil } from './benchDriver.js';

/** Discord's, which the emulator enforces by default. */
const ACK_DEADLINE_MS = 3_000;

export interface BurstOptions {
  interactions: number;
  imageBytes: number;
}

export interface BurstResult {
  /** ackedAt - createdAt per interaction, both stamped by the Discord emulator; Infinity when Discord dropped it. */
  ackMs: number[];
  /** Interactions not acknowledged within Discord's 3 s: the member sees "The application did not respond". */
  dropped: number;
  /** From the dispatch until every interaction has its image or was dropped (polled every 20 ms). */
  allSettledMs: number;
}

/** Many members run /imagine at the same moment. */
export async function measureBurstAcks(target: BenchTarget, options: BurstOptions): Promise<BurstResult> {
  const { discord } = target;
  target.gemini.enqueue(...Array.from({ length: options.interactions }, () => ({ kind: 'image' as const, imageBytes: options.imageBytes })));
  const started = performance.now();
  const interactionIds = Array.from({ length: options.interactions }, (_, index) =>
    discord.sendSlashCommand({
      user: discord.users.alice,
      channelId: imagineChannel(target, index),
      name: 'imagine',
      options: [{ name: 'prompt', type: 3, value: `burst image ${index}` }],
    }).interactionId,
  );

  // A turn has settled when its thread is open, or when its interaction went unacknowledged past the deadline
  // (the emulator then refuses it, 10062 Unknown interaction, and no message ever comes).
  const settled = (id: string) => {
    const record = discord.interaction(id);
    if (record.ackedAt === undefined) return Date.now() - record.createdAt > ACK_DEADLINE_MS;
    return discord.threads().some((thread) => thread.id === record.originalMessageId);
  };
  await waitUntil(() => {
    forgetRequestLogs(target); // 50 answers of 2 MB each would otherwise pile up in the logs
    return interactionIds.every(settled);
  }, 60_000);
  const allSettledMs = performance.now() - started;

  const ackMs = interactionIds.map((id) => {
    const record = discord.interaction(id);
    return record.ackedAt === undefined ? Number.POSITIVE_INFINITY : record.ackedAt - record.createdAt;
  });
  return { ackMs, dropped: ackMs.filter((ms) => !Number.isFinite(ms)).length, allSettledMs };
}
