import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logging/createLogger.js';
import { progressReporter } from '../../src/turn/progressReporter.js';
import type { TurnProgress } from '../../src/turn/turnRequest.js';

const logger = createLogger('silent');
const sketch = (number: number): TurnProgress => ({ kind: 'sketch', number, image: { mimeType: 'image/jpeg', base64: `image-${number}` }, thought: undefined });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('progress while a turn waits or Gemini draws', () => {
  it('shows the first update at once, then at most one per interval: the newest sketch wins', async () => {
    const shown: TurnProgress[] = [];
    const report = progressReporter(logger, { progress: async (progress) => void shown.push(progress) });
    report(sketch(1));
    report(sketch(2));
    report(sketch(3));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(shown).toEqual([sketch(1)]);
    await vi.advanceTimersByTimeAsync(1);
    expect(shown).toEqual([sketch(1), sketch(3)]);
    await report.settled();
  });

  it('shows nothing once settled (the answer is being posted), not even an update waiting for its turn', async () => {
    const shown: TurnProgress[] = [];
    const report = progressReporter(logger, { progress: async (progress) => void shown.push(progress) });
    report(sketch(1));
    report(sketch(2));
    await report.settled();
    report(sketch(3));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(shown).toEqual([sketch(1)]);
  });

  it('waits, when settling, for an update still being sent, so the answer never races it', async () => {
    let finishUpload!: () => void;
    const uploading = new Promise<void>((resolve) => (finishUpload = resolve));
    const report = progressReporter(logger, { progress: () => uploading });
    report(sketch(1));
    let settled = false;
    const settling = report.settled().then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    finishUpload();
    await settling;
    expect(settled).toBe(true);
  });

  it('drops, when settling, an update queued behind a slow upload: the answer waits for no further sketch', async () => {
    const uploads: Array<{ number: number; finish: () => void }> = [];
    const report = progressReporter(logger, {
      progress: (progress) => new Promise<void>((resolve) => uploads.push({ number: progress.kind === 'sketch' ? progress.number : 0, finish: resolve })),
    });
    report(sketch(1));
    await vi.advanceTimersByTimeAsync(0);
    report(sketch(2));
    await vi.advanceTimersByTimeAsync(2_000); // sketch 2's turn comes while sketch 1 is still uploading: queued behind it
    let settled = false;
    const settling = report.settled().then(() => (settled = true));
    uploads[0]?.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(uploads.map((upload) => upload.number)).toEqual([1]);
    await settling;
    expect(settled).toBe(true);
  });

  it("shows a retry's sketch 1 even when the retry notice was merged away: a new try's sketches are new pictures", async () => {
    const shown: TurnProgress[] = [];
    const report = progressReporter(logger, { progress: async (progress) => void shown.push(progress) });
    report(sketch(1));
    await vi.advanceTimersByTimeAsync(500);
    report({ kind: 'retrying', seconds: 1 });
    await vi.advanceTimersByTimeAsync(500);
    const retried: TurnProgress = { kind: 'sketch', number: 1, image: { mimeType: 'image/jpeg', base64: 'second-try' }, thought: undefined };
    report(retried); // replaces the notice still on its timer
    await vi.advanceTimersByTimeAsync(2_000);
    expect(shown).toEqual([sketch(1), retried]);
    await report.settled();
  });
});
