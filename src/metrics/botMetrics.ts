import type { GeminiCallResult } from '../gemini/geminiCall.js';

/** What the queue gauges read at each scrape; GeminiSlots fits. */
export interface QueueReadings {
  readonly depth: number;
  readonly inFlight: number;
}

/** One Gemini HTTP call, as the clients (generateContentClient, interactionsClient) report it. */
export interface GeminiCall {
  model: string;
  seconds: number;
  result: GeminiCallResult;
}

/**
 * What the bot records as it works. Only /metrics reads it (startMetricsServer),
 * so this module names no metrics library: prom-client (promMetrics.ts) is
 * loaded only for an operator who sets METRICS_PORT (startBot). Its module code
 * is heap that every full garbage collection would otherwise mark on a bot that
 * serves no metrics at all: 0.6 MB of the bot's 26.3 MB after loading (1.7 MB
 * on its own; the rest are Node built-ins the bot loads anyway).
 */
export interface BotMetrics {
  /** One finished turn: how it ended (outcomeName) and the retries it took. */
  recordGeneration(model: string, outcome: string, retries: number): void;
  observeGeminiCall(call: GeminiCall): void;
  recordSpend(entry: { model: string; costUsd: number }): void;
  countStoreError(): void;
}

/**
 * Without METRICS_PORT nothing can read the metrics, so recording nothing
 * loses nothing. The spend itself is kept by UsageBudget (/usage), not here.
 */
export const noMetrics: BotMetrics = {
  recordGeneration: () => undefined,
  observeGeminiCall: () => undefined,
  recordSpend: () => undefined,
  countStoreError: () => undefined,
};
