import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DiscordEmulator } from '../emulators/discord/index.js';
import type { GeminiEmulator } from '../emulators/gemini/index.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Compiles the bot as `npm start` does and returns its entry point. Each
 * test file building in parallel uses its own folder, so builds never race.
 */
export async function buildBot(outDir = path.join(root, 'dist')): Promise<string> {
  await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root });
  return path.join(outDir, 'src/main.js');
}

/** The environment of a bot process pointed at the emulators, and nothing else from ours (no .env, no secrets). */
export function emulatorEnv(discord: DiscordEmulator, gemini?: Pick<GeminiEmulator, 'url' | 'apiKey'>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    DISCORD_TOKEN: discord.token,
    GEMINI_API_KEY: gemini?.apiKey ?? 'key',
    DISCORD_API_URL: discord.apiUrl,
    ...(gemini ? { GEMINI_API_URL: gemini.url } : {}),
    ATTACHMENT_ORIGINS: discord.cdnOrigin,
  };
}
