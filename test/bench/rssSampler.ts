export interface RssSampler {
  /** Starts a new named phase; its peak is tracked separately from the others. */
  phase(name: string): void;
  stop(): { peakBytes: number; peakByPhase: Map<string, number> };
}

/**
 * Samples the resident set size every `intervalMs`. A busy event loop delays
 * samples, so the kernel's own high-water mark (maxRSS) is folded into the
 * overall peak too: nothing can spike between two samples unseen.
 */
export function startRssSampler(intervalMs = 20): RssSampler {
  const peakByPhase = new Map<string, number>();
  let current = 'baseline (modules loaded)';
  const sample = () => {
    const rss = process.memoryUsage.rss();
    peakByPhase.set(current, Math.max(peakByPhase.get(current) ?? 0, rss));
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  sample();
  return {
    phase(name) {
      sample();
      current = name;
      sample();
    },
    stop() {
      sample();
      clearInterval(timer);
      const sampledPeak = Math.max(...peakByPhase.values());
      const kernelPeak = process.resourceUsage().maxRSS * 1024; // maxRSS is in kilobytes
      return { peakBytes: Math.max(sampledPeak, kernelPeak), peakByPhase };
    },
  };
}
