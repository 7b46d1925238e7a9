// The streamed answer's share of `npm run bench` (issue 12, live previews):
// what streaming costs the bot per generation against the answer asked in
// one piece, and the bot process's memory while it streams answers holding
// two interim images each. Gemini answers at once, so what is measured is
// the bot's own work (and the emulators', in one process).
import { performance } from 'node:perf_hooks';
import type { Config } from '../../src/config/config.js';
import type { StoredMessage } from '../emulators/discord/index.js';
import type { Behaviour } from '../emulators/gemini/index.js';
import { startHarness } from '../e2e/harness.js';
import type { BenchTarget } from './benchTarget.js';
import { percentile } from './percentile.js';
import { formatReport, megabytes } from './printReport.js';
import { startBotProcess } from './startBotProcess.js';

const WORKLOAD = {
  /** Gemini's images run 1 to 3 MB; each answer holds two interim images (sketches) as large as the final one. */
  imageBytes: 2_000_000,
  thoughtImages: 2,
  warmups: 3,
  /**
   * Per way of asking, taken in turn (one of each, then again), so a busy moment of the machine weighs on all
   * alike. The Discord emulators keep every upload (about 300 MB for these) in this process.
   */
  generations: 40,
  /** At once, against the bot apart: GEMINI_CONCURRENCY (4) streams at a time, each holding its answer's three images. */
  burst: 20,
};

const TURN_TIMEOUT_MS = 30_000;

type Variant = { name: string; env: Record<string, string>; config: Partial<Config> };

const VARIANTS: Variant[] = [
  { name: 'generateContent (the answer in one piece)', env: {}, config: { streamAnswers: false } },
  { name: 'streamed, previews off (PREVIEWS=off)', env: { PREVIEWS: 'off' }, config: {} },
  { name: 'streamed, previews on (sketches posted)', env: {}, config: {} },
];

/** `apartOnly` (BENCH_ONLY=previews): only the rows with the bot in its own process, its memory above all. */
export async function benchStreaming(progress: (text: string) => void, { apartOnly = false } = {}): Promise<void> {
  const answer: Behaviour = { kind: 'image', imageBytes: WORKLOAD.imageBytes, thoughtImages: WORKLOAD.thoughtImages };
  const overheadMs = apartOnly ? [] : await measureInTurn(progress, answer);
  const apart: ApartRun[] = [];
  for (const [previews, phase] of [['on', 'sequential'], ['on', 'burst'], ['off', 'burst']] as const) {
    progress(`streamed answers: the bot in its own process, previews ${previews}, ${phase === 'burst' ? `${WORKLOAD.burst} at once` : 'sequential'}…`);
    apart.push(await measureApart(answer, previews, phase));
  }

  console.log(
    `\nStreamed answers (issue 12): each answer ${megabytes(WORKLOAD.imageBytes)} MB images, ${WORKLOAD.thoughtImages} interim images (sketches) before the final one.`,
  );
  if (!apartOnly) printInTurn(overheadMs);
  printApart(apart);
}

function printInTurn(overheadMs: number[][]): void {
  const [oneBody, streamed, sketched] = overheadMs;
  const ratio = (samples: number[]) => percentile(samples, 50) / percentile(oneBody!, 50);
  console.log(`The bot and both emulators in this one process, ${WORKLOAD.generations} sequential /imagine per way of asking, taken in turn:\n`);
  console.log(
    formatReport([
      ...VARIANTS.flatMap((variant, index) => [
        { name: `overhead per generation, p50: ${variant.name}`, measured: percentile(overheadMs[index]!, 50), unit: 'ms' as const },
        { name: `overhead per generation, p99: ${variant.name}`, measured: percentile(overheadMs[index]!, 99), unit: 'ms' as const },
      ]),
      { name: 'streamed (previews off) / one piece, p50', measured: ratio(streamed!), unit: '', target: 1.1 },
      { name: 'streamed (sketches posted) / one piece, p50', measured: ratio(sketched!), unit: '' },
    ]),
  );
}

function printApart(apart: ApartRun[]): void {
  console.log('\nThe bot in its own process (dist/src/main.js), streaming, a fresh process for each row:\n');
  console.log(
    formatReport(
      apart.flatMap((run) => [
        { name: `previews ${run.previews}, ${run.what}`, measured: run.phase === 'burst' ? run.elapsedMs[0]! : percentile(run.elapsedMs, 50), unit: 'ms' as const },
        { name: `previews ${run.previews}, ${run.phase}: peak RSS of the bot process (VmHWM)`, measured: run.peakRssBytes === undefined ? Number.NaN : megabytes(run.peakRssBytes), unit: 'MB' as const, target: 300 },
      ]),
    ),
  );
  console.log(
    [
      '',
      'Overhead = dispatch of /imagine to the message showing the final image. With Gemini answering at once, a posted',
      "sketch is uploaded just before the answer and the answer waits for that upload: against a real Gemini the sketches",
      'come seconds apart, while it still draws, and cost the answer nothing. The ratio with previews off is what',
      'streaming itself costs: reading the events one at a time and putting the answer back together.',
      `Memory: answers of three ${megabytes(WORKLOAD.imageBytes)} MB images (two sketches and the final one) triple what each generation holds`,
      'and copies (its parsed answer, the checks of every image, the stored blobs); a burst keeps GEMINI_CONCURRENCY of them',
      'in flight, streamed or not.',
    ].join('\n'),
  );
}

/** Each variant's bot in this process at once, one generation of each in turn; milliseconds per generation, by variant. */
async function measureInTurn(progress: (text: string) => void, answer: Behaviour): Promise<number[][]> {
  progress(`streamed answers: ${VARIANTS.length} bots in this process, ${WORKLOAD.generations} generations each, in turn…`);
  const harnesses = [];
  try {
    for (const variant of VARIANTS) harnesses.push(await startHarness({ env: variant.env, config: variant.config }));
    const samples: number[][] = VARIANTS.map(() => []);
    for (let turn = 0; turn < WORKLOAD.warmups + WORKLOAD.generations; turn++) {
      for (const [index, harness] of harnesses.entries()) {
        const ms = await oneGeneration(harness, answer, `bench stream ${turn}`);
        if (turn >= WORKLOAD.warmups) samples[index]!.push(ms);
      }
    }
    return samples;
  } finally {
    await Promise.all(harnesses.map((harness) => harness.close()));
  }
}

interface ApartRun {
  previews: 'on' | 'off';
  phase: 'sequential' | 'burst';
  what: string;
  /** Sequential: each generation's overhead; a burst: the time until all were answered. */
  elapsedMs: number[];
  peakRssBytes: number | undefined;
}

/** A fresh bot process: sequential generations, or a burst at once (GEMINI_CONCURRENCY streams at a time). */
async function measureApart(answer: Behaviour, previews: 'on' | 'off', phase: 'sequential' | 'burst'): Promise<ApartRun> {
  // One emulated member sends the whole burst.
  const target = await startBotProcess({ MAX_REQUESTS_PER_USER: String(WORKLOAD.burst), PREVIEWS: previews });
  try {
    const elapsedMs: number[] = [];
    if (phase === 'sequential') {
      for (let turn = 0; turn < WORKLOAD.warmups + WORKLOAD.generations; turn++) {
        const ms = await oneGeneration(target, answer, `bench stream apart ${turn}`);
        if (turn >= WORKLOAD.warmups) elapsedMs.push(ms);
      }
    } else {
      const started = performance.now();
      await Promise.all(Array.from({ length: WORKLOAD.burst }, (_, index) => oneGeneration(target, answer, `bench stream burst ${index}`, false)));
      elapsedMs.push(performance.now() - started);
    }
    const peaks = await target.botPeakRssBytes();
    const what = phase === 'sequential' ? `sequential: overhead per generation, p50 (${WORKLOAD.generations})` : `burst: all ${WORKLOAD.burst} at once answered, from the dispatch`;
    return { previews, phase, what, elapsedMs, peakRssBytes: peaks.get(0) };
  } finally {
    await target.close();
  }
}

/**
 * One /imagine to its end (thread opened): the time from the dispatch to the
 * message showing the final image (a sketch in the same message does not
 * count). `forget`: empty the emulators' request logs afterwards (2 MB
 * answers would pile up), which a burst does once at its end.
 */
async function oneGeneration(target: Pick<BenchTarget, 'discord' | 'gemini'>, answer: Behaviour, prompt: string, forget = true): Promise<number> {
  const { discord, gemini } = target;
  gemini.enqueue(answer);
  const dispatchedAt = performance.now();
  const { interactionId } = discord.sendSlashCommand({ user: discord.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }] });
  let postedAt = 0;
  const isFinal = (message: StoredMessage) =>
    message.id === discord.interaction(interactionId).originalMessageId && message.attachments.some((attachment) => attachment.filename.startsWith('image-'));
  const message = await discord.waitForMessage((candidate) => {
    if (!isFinal(candidate)) return false;
    postedAt = performance.now();
    return true;
  }, TURN_TIMEOUT_MS);
  await discord.waitForMessage((candidate) => candidate.id === message.id && candidate.thread !== undefined, TURN_TIMEOUT_MS);
  if (forget) {
    // As benchDriver's forgetRequestLogs: the emulators log every body, 2 MB images included.
    gemini.requests.length = 0;
    discord.requests.length = 0;
  }
  return postedAt - dispatchedAt;
}
