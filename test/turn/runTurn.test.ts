import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import type { ConversationRecord, Exchange } from '../../src/conversation/conversationRecord.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import { GeminiSlots } from '../../src/limits/geminiSlots.js';
import { ThreadQueue } from '../../src/lines/threadQueue.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { noMetrics } from '../../src/metrics/botMetrics.js';
import { GuildSettings } from '../../src/settings/guildSettings.js';
import { BlobStore } from '../../src/store/blobStore.js';
import type { GeminiTransport } from '../../src/turn/geminiTransport.js';
import { runTurn } from '../../src/turn/runTurn.js';
import type { TurnDependencies } from '../../src/turn/turnDependencies.js';
import type { TurnDelivery, TurnProgress } from '../../src/turn/turnRequest.js';
import { PriceTable } from '../../src/usage/priceTable.js';
import { generateContentScope } from './transportScopes.js';
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
      metrics: noMetrics,
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
   * The real steps with the real limits, configured to show the order: the only Gemini slot is taken by
   * another member (bob) until `freeSlot`, so a turn that reaches the slot waits there, telling the member
   * it is queued; the server allows alice one image a day. `steps` hears Gemini's call and what the member
   * is shown; `queued` resolves when the turn starts waiting for the slot.
   */
  async function turnWithLimits(options: { prompt?: string; historyBudgetBytes?: number } = {}) {
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
    const bob = bot.geminiSlots.admit('bob');
    if (!bob.ok || !(await bob.ticket.waitForSlot())) throw new Error('bob should hold the only slot');
    let reachedSlot!: () => void;
    const queued = new Promise<void>((resolve) => (reachedSlot = resolve));
    const delivery: TurnDelivery = {
      ready: Promise.resolve(),
      progress: async (progress) => {
        steps.push(progress.kind);
        if (progress.kind === 'queued') reachedSlot();
      },
      post: async (outcome) => {
        steps.push(outcome.kind === 'refused' ? `refused: ${outcome.refusal.kind}` : outcome.kind);
        return { messageId: '1', openThread: async () => undefined };
      },
      warn: async () => undefined,
    };
    const settings = { ...(await guildSettings.effectiveSettings('guild-1')), dailyImageLimit: 1 };
    /** Asks the budget for one more of alice's images today: refused exactly when something already holds or spent her one. */
    const aliceMayStillGenerate = async () => {
      const probe = await bot.usage.reserve({ guildId: 'guild-1', userId: 'alice', model: settings.model, imageSize: undefined, limits: settings });
      if (probe.ok) probe.reservation.cancel();
      return probe.ok;
    };
    const start = () => {
      const request = { threadId: undefined, guildId: 'guild-1', authorId: 'alice', prompt: options.prompt ?? 'a fox', attachments: [], settings: {}, access: { kind: 'granted' as const, settings } };
      return runTurn({ ...bot, historyBudgetBytes: options.historyBudgetBytes ?? bot.historyBudgetBytes }, request, delivery);
    };
    return { steps, queued, start, freeSlot: () => bob.ticket.release(), aliceMayStillGenerate, budget: bot.usage, settings };
  }

  /** Whether the turn ended, or started waiting for a Gemini slot first (then the slot is freed so it can end). */
  async function endsBeforeTheSlot(turn: Awaited<ReturnType<typeof turnWithLimits>>): Promise<boolean> {
    const running = turn.start();
    const first = await Promise.race([running.then(() => 'ended' as const), turn.queued.then(() => 'queued' as const)]);
    turn.freeSlot();
    await running;
    return first === 'ended';
  }

  it('holds usage, then waits for the slot, then asks Gemini, then shows the answer', async () => {
    const turn = await turnWithLimits();
    expect(await turn.aliceMayStillGenerate()).toBe(true);
    const running = turn.start();
    await turn.queued;
    // Waiting for the slot, the turn already holds alice's one image of the day, and Gemini has not been asked.
    expect(await turn.aliceMayStillGenerate()).toBe(false);
    expect(turn.steps).toEqual(['queued']);
    turn.freeSlot();
    await running;
    expect(turn.steps).toEqual(['queued', 'gemini', 'blocked']);
  });

  it('refuses a request over the size budget before it holds usage or waits for a slot', async () => {
    const turn = await turnWithLimits({ prompt: 'a fox '.repeat(200), historyBudgetBytes: 500 });
    // Alice's image of the day is spent too: the size budget is told, so it was checked before the usage hold.
    const spent = await turn.budget.reserve({ guildId: 'guild-1', userId: 'alice', model: turn.settings.model, imageSize: undefined, limits: turn.settings });
    expect(spent.ok).toBe(true);
    expect(await endsBeforeTheSlot(turn)).toBe(true);
    expect(turn.steps).toEqual(['refused: history-too-large']);
  });

  it('refuses a request over the usage limits before it waits for a slot', async () => {
    const turn = await turnWithLimits();
    const spent = await turn.budget.reserve({ guildId: 'guild-1', userId: 'alice', model: turn.settings.model, imageSize: undefined, limits: turn.settings });
    expect(spent.ok).toBe(true);
    expect(await endsBeforeTheSlot(turn)).toBe(true);
    expect(turn.steps).toEqual(['refused: limit-reached']);
  });
});

describe('the usage hold of a turn on a long thread', () => {
  /** A thread of 60 turns, each answer one stored image of 1 MB (declared in the record; the fake Gemini reads none). */
  function longThread(model: string): ConversationRecord {
    const exchanges: Exchange[] = Array.from({ length: 60 }, (_, index) => ({
      user: { authorId: 'alice', parts: [{ raw: { text: `turn ${index}` } }] },
      model: {
        api: 'generate-content',
        contentFields: { role: 'model' },
        parts: [{ raw: { inlineData: { mimeType: 'image/jpeg', data: '' } }, blob: { sha256: index.toString(16).padStart(64, '0'), field: 'inlineData', length: 1_000_000 } }],
        messageId: `m${index}`,
      },
      settings: {},
      createdAt: '2026-12-01T00:00:00.000Z',
    }));
    return { version: 4, threadId: 'long', guildId: 'guild-1', model, settings: { imageSize: '1K' }, exchanges, createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' };
  }

  /**
   * A reply in the long thread under HISTORY_BUDGET_MB of `historyBudgetBytes`, on a server whose monthly budget
   * holds the worst case of a turn that sends a few of its turns, but not of one that sends all 60 of them: the
   * turns Gemini was sent (none when the budget refused it), and what the member was shown.
   */
  async function replyInLongThread(historyBudgetBytes: number) {
    const sent: number[] = [];
    const gemini: GeminiTransport = {
      api: 'generate-content',
      scope: generateContentScope,
      async generate(request) {
        sent.push(request.history.length);
        return { kind: 'answered', outcome: { kind: 'blocked', stage: 'prompt', reason: 'SAFETY', text: '', usage: {} }, retries: 0 };
      },
      forget: async () => [],
    };
    const { bot, guildSettings } = dependencies(gemini);
    const defaults = await guildSettings.effectiveSettings('guild-1');
    const record = longThread(defaults.model);
    await bot.conversations.save(record);
    // Between the two: a hold for 60 images' tokens is over it, the least hold (for a request of a few images) is not.
    const wholeThread = bot.usage.prices.worstCaseCost(defaults.model, '1K', 60 * 2_000);
    const fewTurns = bot.usage.prices.worstCaseCost(defaults.model, '1K', 0);
    expect(fewTurns).toBeLessThan(wholeThread);
    const settings = { ...defaults, dailyImageLimit: 0, monthlyBudgetUsd: (wholeThread + fewTurns) / 2 };
    const shown: string[] = [];
    const delivery: TurnDelivery = {
      ready: Promise.resolve(),
      progress: async () => undefined,
      post: async (outcome) => {
        shown.push(outcome.kind === 'refused' ? `refused: ${outcome.refusal.kind}` : outcome.kind);
        return { messageId: 'answer', openThread: async () => undefined };
      },
      warn: async () => undefined,
    };
    const request = { threadId: 'long', guildId: 'guild-1', authorId: 'alice', prompt: 'add a hat', attachments: [], settings: {}, access: { kind: 'granted' as const, settings } };
    await runTurn({ ...bot, historyBudgetBytes }, request, delivery);
    return { sent, shown };
  }

  it('holds what the planned request sends, not the whole history: a long thread whose request fits the budget is not refused for its old turns', async () => {
    // Three turns of 1 MB fit under 3.5 MB with the new one: the other 57 are left out, and not held for.
    expect(await replyInLongThread(3_500_000)).toEqual({ sent: [3], shown: ['blocked'] });
  });

  it('still refuses a turn whose planned request itself would cost more than the monthly budget allows', async () => {
    // Every turn fits the request budget: all 60 would be sent, so the hold for them is over the monthly budget.
    expect(await replyInLongThread(100_000_000)).toEqual({ sent: [], shown: ['refused: limit-reached'] });
  });
});

/** Gemini answering in words: an answer kept like an image, with no image to check. */
const answersInWords: GeminiTransport = {
  api: 'generate-content',
  scope: generateContentScope,
  generate: async () => ({
    kind: 'answered',
    outcome: { kind: 'no-image', modelContent: { api: 'generate-content', content: { role: 'model', parts: [{ text: 'words' }] } }, text: 'words', finishReason: 'STOP', usage: {}, sources: [] },
    retries: 0,
  }),
  forget: async () => [],
};

describe('the channel a new conversation is kept under', () => {
  /** A new conversation answered in words (kept like an image), posted where discord.js cannot tell the channel. */
  async function newConversation(channelId: string | undefined) {
    const { bot, guildSettings } = dependencies(answersInWords);
    const delivery: TurnDelivery = {
      ready: Promise.resolve(),
      progress: async () => undefined,
      // As when discord.js no longer holds the channel the answer went to (deleted meanwhile): no parent is known.
      post: async () => ({ messageId: 'm1', parentChannelId: undefined, openThread: async () => undefined }),
      warn: async () => undefined,
    };
    const settings = await guildSettings.effectiveSettings('guild-1');
    await runTurn(bot, { threadId: undefined, channelId, guildId: 'guild-1', authorId: 'alice', prompt: 'a fox', attachments: [], settings: {}, access: { kind: 'granted', settings } }, delivery);
    const stored = await bot.conversations.load('m1');
    if (stored.kind !== 'found') throw new Error(`no record: ${stored.kind}`);
    return { record: stored.record, listed: await bot.conversations.byChannel.list({ guildId: 'guild-1', channelId: channelId ?? 'thread-1' }) };
  }

  it('is the channel it was asked for in, when that was known to be no thread, even once discord.js forgot it', async () => {
    const { record, listed } = await newConversation('channel-1');
    expect(record.parentId).toBe('channel-1');
    expect(listed).toEqual(['m1']);
  });

  it('is none when the channel could not be told (it may have been a thread, whose id is no channel)', async () => {
    const { record, listed } = await newConversation(undefined);
    expect(record.parentId).toBeUndefined();
    expect(listed).toEqual([]);
  });
});

// Review 6B F1: the bookkeeping may run inside the stop signal's listener.
describe('the bookkeeping and the shutdown signal', () => {
  async function turnAbortedDuringPost(recordGeneration: () => void) {
    vi.useRealTimers();
    const { bot, guildSettings } = dependencies(answersInWords);
    const stop = new AbortController();
    const { getEventListeners } = (await import('node:events')).EventEmitter;
    let release!: () => void;
    let posting!: () => void;
    const posted = new Promise<void>((resolve) => (posting = resolve));
    const delivery: TurnDelivery = {
      ready: Promise.resolve(),
      progress: async () => undefined,
      post: async () => {
        posting();
        if (!release) await new Promise<void>((resolve) => (release = resolve));
        return { messageId: 'm1', parentChannelId: 'c1', openThread: async () => undefined };
      },
      warn: async () => undefined,
    };
    const settings = await guildSettings.effectiveSettings('guild-1');
    const turn = runTurn({ ...bot, shutdownSignal: stop.signal, metrics: { ...bot.metrics, recordGeneration } }, { threadId: undefined, channelId: 'c1', guildId: 'guild-1', authorId: 'alice', prompt: 'a fox', attachments: [], settings: {}, access: { kind: 'granted', settings } }, delivery);
    await posted;
    const listening = getEventListeners(stop.signal, 'abort').length;
    stop.abort();
    release();
    const ended = await turn.then(() => 'resolved', (error: unknown) => `rejected: ${String(error)}`);
    return { ended, listening, left: getEventListeners(stop.signal, 'abort').length };
  }

  it('bookkeeps once when the stop comes during the post, and leaves no listener', async () => {
    let counted = 0;
    const { listening, left } = await turnAbortedDuringPost(() => void counted++);
    expect(listening).toBeGreaterThan(0);
    expect(counted).toBe(1);
    expect(left).toBe(0);
  });

  it('a bookkeeping that throws inside the abort listener is not an uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    const vitestHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      const { ended } = await turnAbortedDuringPost(() => {
        throw new Error('metrics broke');
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(ended).toBe('resolved');
    } finally {
      process.off('uncaughtException', onUncaught);
      for (const handler of vitestHandlers) process.on('uncaughtException', handler);
    }
    expect(uncaught).toEqual([]);
  });
});
