import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { GeminiSlots } from '../../src/limits/geminiSlots.js';
import { ThreadQueue } from '../../src/lines/threadQueue.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { BotMetrics } from '../../src/metrics/botMetrics.js';
import { GuildSettings } from '../../src/settings/guildSettings.js';
import { BlobStore } from '../../src/store/blobStore.js';
import type { GeminiTransport } from '../../src/turn/geminiTransport.js';
import { runTurn } from '../../src/turn/runTurn.js';
import type { TurnDependencies } from '../../src/turn/turnDependencies.js';
import type { TurnDelivery, TurnProgress } from '../../src/turn/turnRequest.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { generateContentScope } from '../../src/transports/generateContentTransport.js';
import { UsageBudget } from '../../src/limits/usageBudget.js';

const logger = createLogger('silent');
const sketch = (number: number) => ({ sketch: { number, image: { mimeType: 'image/jpeg', base64: `sketch-${number}` } }, thought: undefined });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** The turn's real steps on in-memory stores, with Gemini played by `gemini`. */
function dependencies(gemini: GeminiTransport): { bot: TurnDependencies; guildSettings: GuildSettings } {
  const parsed = parseConfig({ DISCORD_TOKEN: 'token', GEMINI_API_KEY: 'key' });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const config = parsed.config;
  const keyv = new Keyv();
  const geminiSlots = new GeminiSlots({ concurrency: 1, perUser: 2, queueLimit: 10 });
  return {
    bot: {
      config,
      conversations: new ConversationStore(keyv, new BlobStore(keyv)),
      blobs: new BlobStore(keyv),
      gemini,
      historyBudgetBytes: config.historyBudgetBytes,
      attachments: { allowedOrigins: [], maxBytes: 1_000_000, timeoutMs: 1_000 },
      threadQueue: new ThreadQueue(),
      geminiSlots,
      usage: new UsageBudget(keyv, new PriceTable(config.priceOverrides)),
      metrics: new BotMetrics({ queue: geminiSlots, processMetrics: false }),
      logger,
      shutdownSignal: new AbortController().signal,
    },
    guildSettings: new GuildSettings(keyv, config, logger),
  };
}

describe('a turn that throws while Gemini draws', () => {
  it('shows no sketch after it failed: a sketch still waiting for its turn is dropped before the error reaches the member', async () => {
    // Sketch 1 is shown at once, sketch 2 waits its 2 s; then the turn breaks (a bug, a store that throws).
    const gemini: GeminiTransport = {
      api: 'generate-content',
      scope: generateContentScope,
      async generate(_request, hooks) {
        hooks.onPreview?.(sketch(1));
        hooks.onPreview?.(sketch(2));
        throw new Error('something broke after the sketches');
      },
      forget: async () => [],
    };
    const { bot, guildSettings } = dependencies(gemini);
    const shown: TurnProgress[] = [];
    const delivery: TurnDelivery = {
      ready: Promise.resolve(),
      progress: async (progress) => void shown.push(progress),
      post: async () => ({ messageId: '1', openThread: async () => undefined }),
      warn: async () => undefined,
    };
    const settings = await guildSettings.effectiveSettings('guild-1');
    const turn = runTurn(bot, { threadId: undefined, guildId: 'guild-1', authorId: 'alice', prompt: 'a fox', attachments: [], settings: {}, access: { kind: 'granted', settings: { ...settings, previews: true } } }, delivery);
    await expect(turn).rejects.toThrow('something broke after the sketches');
    const shownWhenTold = shown.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(shown).toHaveLength(shownWhenTold);
    expect(shown.map((progress) => (progress.kind === 'sketch' ? progress.number : progress.kind))).toEqual([1]);
  });
});

describe('the order of a turn\'s steps', () => {
  /**
   * A turn on the real steps, each step that waits or costs telling `steps` when it runs: the usage hold,
   * the Gemini slot, the Gemini call, and what the member is shown.
   */
  async function stepsOf(options: { prompt?: string; historyBudgetBytes?: number; usageRefused?: boolean }): Promise<string[]> {
    const steps: string[] = [];
    const gemini: GeminiTransport = {
      api: 'generate-content',
      scope: generateContentScope,
      async generate() {
        steps.push('gemini');
        return { kind: 'answered', outcome: { kind: 'blocked', stage: 'prompt', reason: 'SAFETY', text: '', usage: {} }, retries: 0 };
      },
      forget: async () => [],
    };
    const { bot, guildSettings } = dependencies(gemini);
    const queue = bot.geminiSlots;
    const admit = queue.admit.bind(queue);
    vi.spyOn(queue, 'admit').mockImplementation((userId) => {
      const admission = admit(userId);
      if (!admission.ok) return admission;
      const { ticket } = admission;
      const waitForSlot = ticket.waitForSlot.bind(ticket);
      ticket.waitForSlot = (onPosition, signal) => {
        steps.push('slot');
        return waitForSlot(onPosition, signal);
      };
      return admission;
    });
    const reserve = bot.usage.reserve.bind(bot.usage);
    vi.spyOn(bot.usage, 'reserve').mockImplementation(async (request) => {
      steps.push('usage hold');
      return options.usageRefused ? { ok: false, limit: 'daily-images', resetsAt: new Date(0), used: 1, allowed: 1 } : reserve(request);
    });
    const delivery: TurnDelivery = {
      ready: Promise.resolve(),
      progress: async () => undefined,
      post: async (outcome) => {
        steps.push(outcome.kind === 'refused' ? `refused: ${outcome.refusal.kind}` : outcome.kind);
        return { messageId: '1', openThread: async () => undefined };
      },
      warn: async () => undefined,
    };
    const settings = await guildSettings.effectiveSettings('guild-1');
    const request = { threadId: undefined, guildId: 'guild-1', authorId: 'alice', prompt: options.prompt ?? 'a fox', attachments: [], settings: {}, access: { kind: 'granted' as const, settings } };
    await runTurn({ ...bot, historyBudgetBytes: options.historyBudgetBytes ?? bot.historyBudgetBytes }, request, delivery);
    return steps;
  }

  it('holds usage, then waits for the slot, then asks Gemini, then shows the answer', async () => {
    expect(await stepsOf({})).toEqual(['usage hold', 'slot', 'gemini', 'blocked']);
  });

  it('refuses a request over the size budget before it holds usage or waits for a slot', async () => {
    expect(await stepsOf({ prompt: 'a fox '.repeat(200), historyBudgetBytes: 500 })).toEqual(['refused: history-too-large']);
  });

  it('refuses a request over the usage limits before it waits for a slot', async () => {
    expect(await stepsOf({ usageRefused: true })).toEqual(['usage hold', 'refused: limit-reached']);
  });
});
