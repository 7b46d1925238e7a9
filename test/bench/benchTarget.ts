import type { DiscordEmulator } from '../emulators/discord/index.js';
import type { BenchGemini } from './benchGemini.js';
import { openStore, type Store } from '../../src/store/openStore.js';
import { startHarness } from '../e2e/harness.js';
import { waitForExchanges } from './measureStorage.js';
import type { GenerationPhases } from './watchBotOutput.js';

/** A running bot and the emulators it talks to: in this process, or in a process of its own. */
export interface BenchTarget {
  discord: DiscordEmulator;
  gemini: BenchGemini;
  databaseUrl: string;
  /** The channels /imagine goes to in turn: one in each shard's guild when the bot is sharded, so that every shard works. */
  imagineChannelIds: readonly string[];
  /** Stops the bot as SIGTERM would: turns in progress finish, then the store closes (checkpointing the WAL). */
  stopBot(): Promise<void>;
  /**
   * Each bot process's peak resident set by shard id (an unsharded bot is
   * shard 0 of 1, as Discord counts it), when it runs apart; empty in-process.
   */
  botPeakRssBytes(): Promise<Map<number, number>>;
  /** Resolves once the thread's stored history holds `turns` turns: a turn is saved just after its image is posted. */
  waitForStoredTurns(threadId: string, turns: number): Promise<void>;
  /** Generations each shard logged as finished; complete once close() resolved. Empty in-process. */
  generationsByShard(): Map<number, number>;
  /** Each finished generation's steps as the bot process logged them; complete once close() resolved. Empty in-process. */
  generationPhases(): GenerationPhases[];
  close(): Promise<void>;
}

/** Starts a bot with these settings on top of the defaults (environment variables, as an operator sets them). */
export type StartTarget = (env: Record<string, string>) => Promise<BenchTarget>;

/** The e2e harness: the bot and both emulators in this process, as the end-to-end tests run them. */
export const startInProcess: StartTarget = async (env) => {
  const harness = await startHarness({ env });
  const records = storeReader(harness.config.databaseUrl);
  return {
    discord: harness.discord,
    gemini: harness.gemini,
    databaseUrl: harness.config.databaseUrl,
    imagineChannelIds: [harness.discord.channelId],
    stopBot: () => harness.bot.stop(),
    waitForStoredTurns: records.waitForTurns,
    botPeakRssBytes: async () => new Map(),
    generationsByShard: () => new Map(),
    generationPhases: () => [],
    async close() {
      await records.close();
      await harness.close();
      if (harness.discord.unexpectedRequests.length > 0) throw new Error('the bot made requests the Discord emulator did not expect');
    },
  };
};

/** Reads the bot's conversation records, as it stores them, from a connection of its own (opened on first use). */
export function storeReader(databaseUrl: string): { waitForTurns(threadId: string, turns: number): Promise<void>; close(): Promise<void> } {
  let reader: Promise<Store> | undefined;
  return {
    async waitForTurns(threadId, turns) {
      reader ??= openStore(databaseUrl);
      await waitForExchanges(await reader, threadId, turns);
    },
    async close() {
      await (await reader)?.close();
    },
  };
}
