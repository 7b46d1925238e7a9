import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GeminiCallResult } from '../gemini/geminiCall.js';
import type { BotMetrics, GeminiCall, QueueReadings } from './botMetrics.js';

export interface PromMetricsOptions {
  queue: QueueReadings;
  /**
   * prom-client's process metrics (CPU, memory, event loop lag, GC). Only
   * when they are served: they start observers that live as long as the
   * process, and tests start many bots in one process.
   */
  processMetrics: boolean;
}

/**
 * Gemini image calls usually take 10 to 60 s and the bot gives up at
 * GEMINI_TIMEOUT_SECONDS (180 by default); fast failures land under 1 s.
 */
const GEMINI_LATENCY_BUCKETS = [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180];

const PREFIX = 'nanobanana_';

/**
 * The bot's Prometheus metrics, in a registry of its own: prom-client's
 * global registry would mix several bots started in one process (the tests
 * do) and refuse to register the same names twice. startBot loads this module
 * (and with it prom-client) only when METRICS_PORT is set; startMetricsServer
 * serves the registry.
 */
export class PromMetrics implements BotMetrics {
  readonly registry = new Registry();
  private readonly generations: Counter<'model' | 'outcome'>;
  private readonly geminiLatency: Histogram<'model' | 'result'>;
  private readonly retries: Counter<'model'>;
  private readonly spend: Counter<'model'>;
  private readonly storeErrors: Counter;

  constructor(options: PromMetricsOptions) {
    const registers = [this.registry];
    this.generations = new Counter({
      name: `${PREFIX}generations_total`,
      help: 'Generations that got a Gemini slot, by model and how they ended (images, image-unreadable, no-image, blocked, failed, history-unreadable, history-too-large).',
      labelNames: ['model', 'outcome'],
      registers,
    });
    this.geminiLatency = new Histogram({
      name: `${PREFIX}gemini_request_duration_seconds`,
      help: 'Duration of each Gemini call that asks for a turn (generateContent, or creating an interaction on GEMINI_API=interactions; every retry is a call), by model and result (ok, http_<status>, timeout, network, malformed, interrupted, unsendable).',
      labelNames: ['model', 'result'],
      buckets: GEMINI_LATENCY_BUCKETS,
      registers,
    });
    this.retries = new Counter({
      name: `${PREFIX}gemini_retries_total`,
      help: 'Gemini calls repeated after a 429, a 5xx or a dropped connection, by model.',
      labelNames: ['model'],
      registers,
    });
    this.spend = new Counter({
      name: `${PREFIX}estimated_spend_usd_total`,
      help: 'Estimated cost of recorded generations in USD, from the price table (PRICE_TABLE), by model.',
      labelNames: ['model'],
      registers,
    });
    this.storeErrors = new Counter({
      name: `${PREFIX}store_errors_total`,
      help: 'Writes and deletes the store refused (Keyv error events); failed reads show in /healthz and the logs.',
      registers,
    });
    const { queue } = options;
    new Gauge({
      name: `${PREFIX}queue_depth`,
      help: 'Requests waiting for a Gemini slot.',
      registers,
      collect() {
        this.set(queue.depth);
      },
    });
    new Gauge({
      name: `${PREFIX}generations_in_flight`,
      help: 'Generations holding a Gemini slot (the call, then posting and storing the result).',
      registers,
      collect() {
        this.set(queue.inFlight);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  recordGeneration(model: string, outcome: string, retries: number): void {
    this.generations.inc({ model, outcome });
    if (retries > 0) this.retries.inc({ model }, retries);
  }

  observeGeminiCall(call: GeminiCall): void {
    this.geminiLatency.observe({ model: call.model, result: geminiResultLabel(call.result) }, call.seconds);
  }

  recordSpend(entry: { model: string; costUsd: number }): void {
    if (entry.costUsd > 0) this.spend.inc({ model: entry.model }, entry.costUsd);
  }

  countStoreError(): void {
    this.storeErrors.inc();
  }
}

/** A small closed set of label values: unbounded text (error messages) would make a new time series each. */
function geminiResultLabel(result: GeminiCallResult): string {
  if (result.ok) return 'ok';
  return result.failure.kind === 'http' ? `http_${result.failure.status}` : result.failure.kind;
}
