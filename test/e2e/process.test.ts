import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';
import { buildBot, emulatorEnv } from './compiledBot.js';

/*
 * The compiled bot as `npm start` runs it, in its own process: proves the
 * build, the entry point, configuration errors and shutdown on SIGTERM.
 */
let entry: string;

beforeAll(async () => {
  entry = await buildBot();
}, 120_000);

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the bot process', () => {
  it('refuses to start with one message naming every missing setting', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'bot-process-'));
    const child = spawn(process.execPath, [entry], { cwd: directory, env: { PATH: process.env['PATH'] ?? '', DISCORD_API_URL: 'nope' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exitOf(child)).toBe(1);
    expect(stderr).toContain('DISCORD_TOKEN');
    expect(stderr).toContain('GEMINI_API_KEY');
    expect(stderr).toContain('DISCORD_API_URL');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    await rm(directory, { recursive: true, force: true });
  });

  describe('running against the emulators', () => {
    let discord: DiscordEmulator;
    let gemini: GeminiEmulator;
    let directory: string;
    let child: ChildProcess;
    let output = '';

    beforeAll(async () => {
      [discord, gemini] = await Promise.all([startDiscordEmulator(), startGeminiEmulator()]);
      directory = await mkdtemp(path.join(tmpdir(), 'bot-process-'));
      child = spawn(process.execPath, [entry], {
        cwd: directory,
        env: emulatorEnv(discord, gemini),
      });
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await discord.waitForIdentify();
    });

    afterAll(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await Promise.all([discord.close(), gemini.close()]);
      await rm(directory, { recursive: true, force: true });
    });

    it('answers /imagine, stores under data/bot.sqlite by default, and exits cleanly within 10 s of SIGTERM', async () => {
      const { interactionId } = discord.sendSlashCommand({
        user: discord.users.alice,
        name: 'imagine',
        options: [{ name: 'prompt', type: 3, value: 'a fox' }],
      });
      await discord.waitForMessage(
        (message) => message.author.id === discord.botUser.id && message.id === discord.interaction(interactionId).originalMessageId && message.attachments.length === 1,
      );
      const started = Date.now();
      const exited = exitOf(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      const { stat } = await import('node:fs/promises');
      await expect(stat(path.join(directory, 'data/bot.sqlite'))).resolves.toBeTruthy();
      expect(output).not.toContain(discord.token);
      expect(output).not.toContain(gemini.apiKey);
    });
  });
});
