// Issue 13's share of `npm run bench`: the bytes the bot sends Gemini per
// edit of a long thread, and the time from the member's message to the
// image, on each GEMINI_API. The bot runs in this process against the
// loopback emulators (Gemini answers at once): what differs is what the bot
// uploads. The interactions path should send under 1 % of generateContent's.
import { performance } from 'node:perf_hooks';
import { startHarness, type Harness } from '../e2e/harness.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { imagine, waitForBotReplyTo } from '../e2e/helpers.js';
import { percentile } from './percentile.js';
import { formatReport, kilobytes } from './printReport.js';

const WORKLOAD = { imageBytes: 2_000_000, historyTurns: 15, edits: 5 };

interface EditFigures {
  bytes: number[];
  ms: number[];
}

/** A thread of `historyTurns` answers, then `edits` timed replies to the latest image; the bytes of each edit's request. */
async function threadEdits(api: 'generate-content' | 'interactions'): Promise<EditFigures> {
  const harness = await startHarness({ env: { GEMINI_API: api, LOG_LEVEL: 'warn' } });
  try {
    const sent = (h: Harness): number[] =>
      api === 'interactions'
        ? h.gemini.interactions.requests.filter((request) => request.method === 'POST').map((request) => request.bytes)
        : // The bot sends compact JSON: the parsed body's length is what went over the wire.
          h.gemini.requests.map((request) => Buffer.byteLength(JSON.stringify(request.body)));
    const figures: EditFigures = { bytes: [], ms: [] };
    harness.gemini.enqueue({ kind: 'image', imageBytes: WORKLOAD.imageBytes });
    let { message: latest } = await imagine(harness, { prompt: 'a lighthouse at dusk' });
    // A thread opened from a message has that message's id; the e2e helper that waits for it needs vitest.
    while (!harness.discord.threads().some((candidate) => candidate.id === latest.id)) await sleep(20);
    const thread = { id: latest.id };
    for (let turn = 1; turn < WORKLOAD.historyTurns + WORKLOAD.edits; turn++) {
      harness.gemini.enqueue({ kind: 'image', imageBytes: WORKLOAD.imageBytes });
      const started = performance.now();
      const edit = harness.discord.sendMessage({ user: harness.discord.users.bob, channelId: thread.id, content: `edit number ${turn}`, replyTo: latest.id });
      latest = await waitForBotReplyTo(harness, edit);
      if (turn < WORKLOAD.historyTurns) continue;
      figures.ms.push(performance.now() - started);
      figures.bytes.push(sent(harness).at(-1) ?? 0);
    }
    return figures;
  } finally {
    await harness.close();
  }
}

export async function benchInteractions(progress: (text: string) => void): Promise<void> {
  progress('GEMINI_API: a thread on generateContent');
  const stateless = await threadEdits('generate-content');
  progress('GEMINI_API: the same thread on interactions');
  const kept = await threadEdits('interactions');
  const bytes = (figures: EditFigures) => percentile(figures.bytes, 50);
  console.log(`\nGEMINI_API, ${WORKLOAD.historyTurns}-turn thread of ${WORKLOAD.imageBytes / 1e6} MB images, ${WORKLOAD.edits} edits each (bot in process)\n`);
  console.log(
    formatReport([
      { name: 'bytes sent per edit, generate-content (p50)', measured: kilobytes(bytes(stateless)), unit: 'kB' },
      { name: 'bytes sent per edit, interactions (p50)', measured: kilobytes(bytes(kept)), unit: 'kB', target: kilobytes(bytes(stateless) * 0.01) },
      { name: 'edit, generate-content, p50', measured: percentile(stateless.ms, 50), unit: 'ms' },
      { name: 'edit, interactions, p50', measured: percentile(kept.ms, 50), unit: 'ms' },
    ]),
  );
}
