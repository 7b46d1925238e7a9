import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { startBot, type RunningBot } from '../../src/startBot.js';
import { startDiscordEmulator, type DiscordEmulator, type DiscordEmulatorOptions } from '../emulators/discord/index.js';
import { startGeminiEmulator, type GeminiEmulator, type GeminiEmulatorOptions } from '../emulators/gemini/index.js';
import { suiteGeminiApi } from './suiteGeminiApi.js';

export { suiteGeminiApi, type GeminiApi } from './suiteGeminiApi.js';

export interface Harness {
  discord: DiscordEmulator;
  gemini: GeminiEmulator;
  config: Config;
  bot: RunningBot;
  /** Every log line the bot wrote, for assertions (and secret scans). */
  logLines: string[];
  /** Stops the bot (with this grace period for work in progress) and starts a new one on the same database, as a process restart would. */
  restart(graceMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real bot, wired exactly as `npm start` wires it, against the loopback
 * emulators and a fresh SQLite file. Nothing is mocked.
 */
export interface HarnessOptions {
  discord?: DiscordEmulatorOptions;
  /** The Gemini emulator's models (and what each makes), when a test serves more than Google's two. */
  gemini?: GeminiEmulatorOptions;
  /** Environment variables on top of the harness's own, as an operator would set them. */
  env?: Record<string, string>;
  /** Settings with no environment variable, such as the retry backoff (short here so tests stay fast). */
  config?: Partial<Config>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const discord = await startDiscordEmulator(options.discord);
  const gemini = await startGeminiEmulator(options.gemini);
  const directory = await mkdtemp(path.join(tmpdir(), 'bot-e2e-'));
  const parsed = parseConfig({
    DISCORD_TOKEN: discord.token,
    GEMINI_API_KEY: gemini.apiKey,
    DISCORD_API_URL: discord.apiUrl,
    GEMINI_API_URL: gemini.url,
    ATTACHMENT_ORIGINS: discord.cdnOrigin,
    DATABASE_URL: `sqlite://${directory}/data/bot.sqlite`,
    LOG_LEVEL: 'debug',
    GEMINI_API: suiteGeminiApi(),
    ...options.env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const config: Config = { ...parsed.config, retryBaseDelayMs: 20, ...options.config };
  const logLines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logLines.push(line) });
  let bot: RunningBot;
  try {
    bot = await startBot(config, logger);
  } catch (error) {
    // A bot that cannot start must not leave the emulators listening and the folder behind.
    await Promise.all([discord.close(), gemini.close(), rm(directory, { recursive: true, force: true })]);
    throw error;
  }
  const harness: Harness = {
    discord,
    gemini,
    config,
    bot,
    logLines,
    async restart(graceMs) {
      await harness.bot.stop(graceMs);
      harness.bot = await startBot(config, logger);
    },
    async close() {
      await harness.bot.stop(1_000).catch(() => undefined);
      await Promise.all([discord.close(), gemini.close()]);
      await rm(directory, { recursive: true, force: true });
    },
  };
  return harness;
}

