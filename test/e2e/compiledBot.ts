import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { DiscordEmulator } from '../emulators/discord/index.js';
import type { GeminiEmulator } from '../emulators/gemini/index.js';
import { suiteGeminiApi } from './suiteGeminiApi.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Compiles the bot as `npm start` does (tsconfig.build.json), into outDir, and returns its entry point. */
export async function buildBot(outDir: string): Promise<string> {
  await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root });
  return entryIn(outDir);
}

function entryIn(outDir: string): string {
  return path.join(outDir, 'src/main.js');
}

/**
 * The bot compiled into outDir once, whichever of the test files running in
 * parallel asks first: a build costs about 10 s of CPU and 400 MB, so the
 * files share one instead of making one each. The first to create the folder
 * builds and leaves a marker when done (or the reason it failed); the others
 * wait for it. outDir must not exist before the run (test/e2e/compiledBotFolder.ts).
 */
export async function buildBotOnce(outDir: string): Promise<string> {
  const built = path.join(outDir, '.built');
  const failed = path.join(outDir, '.failed');
  await mkdir(path.dirname(outDir), { recursive: true });
  const first = await mkdir(outDir).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (first) {
    try {
      const entry = await buildBot(outDir);
      await writeFile(built, '');
      return entry;
    } catch (error) {
      await writeFile(failed, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }
  // A marker file has no event to wait on across processes; the build takes seconds, so a look every 100 ms costs nothing.
  for (;;) {
    if (await exists(built)) return entryIn(outDir);
    if (await exists(failed)) throw new Error(`the bot's build failed (in another test file): ${await readFile(failed, 'utf8')}`);
    await sleep(100);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * The environment of a bot process pointed at the emulators, and nothing else from ours (no .env, no secrets),
 * on the GEMINI_API this run of the suite tests (E2E_GEMINI_API): a process does not inherit our environment.
 */
export function emulatorEnv(discord: DiscordEmulator, gemini?: Pick<GeminiEmulator, 'url' | 'apiKey'>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    DISCORD_TOKEN: discord.token,
    GEMINI_API_KEY: gemini?.apiKey ?? 'key',
    DISCORD_API_URL: discord.apiUrl,
    ...(gemini ? { GEMINI_API_URL: gemini.url } : {}),
    ATTACHMENT_ORIGINS: discord.cdnOrigin,
    GEMINI_API: suiteGeminiApi(),
  };
}
