export type PartHealth = 'ok' | 'down';

export interface HealthReport {
  healthy: boolean;
  checks: { gateway: PartHealth; store: PartHealth };
}

export interface HealthProbes {
  /** True while every gateway shard is connected and ready. */
  gatewayReady(): boolean;
  /** A cheap read; rejects when the store does not answer. */
  readStore(): Promise<unknown>;
  /** How long the store read may take before it counts as down. */
  storeTimeoutMs: number;
}

/**
 * Healthy means the bot can do its job: it hears Discord (the gateway) and
 * can read conversations (the store). Gemini is left out on purpose: an
 * outage there is not cured by restarting the bot, and orchestrators act on
 * this answer by restarting.
 */
export async function checkHealth(probes: HealthProbes): Promise<HealthReport> {
  const gateway: PartHealth = probes.gatewayReady() ? 'ok' : 'down';
  const store: PartHealth = (await answersWithin(probes.readStore, probes.storeTimeoutMs)) ? 'ok' : 'down';
  return { healthy: gateway === 'ok' && store === 'ok', checks: { gateway, store } };
}

async function answersWithin(read: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      // Through then(): a read that throws at once counts as down, like one that rejects.
      Promise.resolve()
        .then(read)
        .then(
          () => true,
          () => false,
        ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
