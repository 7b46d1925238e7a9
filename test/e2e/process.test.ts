import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { commands } from '../../commands/index.js';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { stalledStream, startGeminiEmulator, type GeminiEmulator } from '../emulators/gemini/index.js';
import { emulatorEnv } from './compiledBot.js';
import { geminiCalls } from './geminiCalls.js';
import { suiteGeminiApi } from './suiteGeminiApi.js';
import { useCompiledBot } from './useCompiledBot.js';

/*
 * The compiled bot as `npm start` runs it, in its own process: proves the
 * build, the entry point, configuration errors and shutdown on SIGTERM. Then
 * `npm run deploy-commands`, which reads its settings the same way. Runs on
 * both GEMINI_APIs (E2E_GEMINI_API, passed to the process by emulatorEnv).
 */
const entry = useCompiledBot();

/**
 * Loaded into the bot process (node --import) to watch it, changing nothing: as it exits it prints the packages whose
 * CommonJS modules it loaded (import of a CommonJS package goes through require's cache too: discord.js, prom-client).
 */
const REPORT_LOADED_PACKAGES = `data:text/javascript,${encodeURIComponent(`
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
const cache = createRequire(process.cwd() + '/').cache;
process.on('exit', () => {
  const names = new Set(Object.keys(cache).map((file) => /.*node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1]).filter(Boolean));
  writeSync(2, 'loaded packages: ' + JSON.stringify([...names]) + '\\n');
});
`)}`;

/** What REPORT_LOADED_PACKAGES printed; undefined before the process exited. */
function loadedPackages(output: string): string[] | undefined {
  const line = /^loaded packages: (.*)$/m.exec(output);
  return line ? (JSON.parse(line[1]!) as string[]) : undefined;
}

/** Its exit code, once its output is read whole too ('exit' can come before the last of stdout and stderr). */
function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

describe('the bot process', () => {
  it('refuses to start with one message naming every missing setting', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'bot-process-'));
    const child = spawn(process.execPath, [entry()], { cwd: directory, env: { PATH: process.env['PATH'] ?? '', DISCORD_API_URL: 'nope' } });
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
      child = spawn(process.execPath, [`--import=${REPORT_LOADED_PACKAGES}`, entry()], {
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
      // The process was started on this run's GEMINI_API, and called Gemini through it.
      expect(geminiCalls({ gemini }).map((call) => [call.api, call.status])).toEqual([[suiteGeminiApi(), 200]]);
      const started = Date.now();
      const exited = exitOf(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // An operator's limit, not a guess: orchestrators kill a process 10 s after SIGTERM (Docker's default); the bot idles, so it needs a fraction.
      expect(Date.now() - started).toBeLessThan(10_000);
      const { stat } = await import('node:fs/promises');
      await expect(stat(path.join(directory, 'data/bot.sqlite'))).resolves.toBeTruthy();
      expect(output).not.toContain(discord.token);
      expect(output).not.toContain(gemini.apiKey);
      // Without METRICS_PORT nothing can read metrics, so prom-client is never loaded (startBot; its code would only
      // lengthen every full collection). discord.js proves the report sees the packages the bot did load.
      expect(loadedPackages(output)).toContain('discord.js');
      expect(loadedPackages(output)).not.toContain('prom-client');
    });
  });

  it('stopped by SIGTERM mid-answer, tells the member it is restarting, leaves nothing at Google of that turn, and exits only once Google answered that deletion', async () => {
    const [discord, gemini] = await Promise.all([startDiscordEmulator(), startGeminiEmulator()]);
    const directory = await mkdtemp(path.join(tmpdir(), 'bot-process-'));
    const child = spawn(process.execPath, [entry()], { cwd: directory, env: emulatorEnv(discord, gemini) });
    let output = '';
    const outputChanged = new EventEmitter();
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        outputChanged.emit('change');
      });
    }
    /** Resolves once the process printed a line with this message. */
    const printed = (message: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!output.includes(`"msg":"${message}`)) return;
          outputChanged.off('change', check);
          resolve();
        };
        outputChanged.on('change', check);
        check();
      });
    try {
      await discord.waitForIdentify();
      // The answer has begun (on interactions Google has created, and stores, the interaction) when SIGTERM comes.
      const stalled = stalledStream(2);
      gemini.enqueue(stalled.behaviour);
      // Google answers the deletion of the interaction the cut call began only when the test says.
      const deletion = gemini.interactions.holdNextDelete();
      const { interactionId } = discord.sendSlashCommand({ user: discord.users.alice, name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a fox' }] });
      await stalled.reached;
      const exited = exitOf(child);
      child.kill('SIGTERM');
      if (suiteGeminiApi() === 'interactions') {
        // The process must still be there when Google answers: one that did not wait would exit with the DELETE unanswered.
        const first = await Promise.race([printed('waiting for Google to answer').then(() => 'waits' as const), exited.then(() => 'exited' as const)]);
        expect(first).toBe('waits');
        const held = await deletion.reached;
        expect(child.exitCode).toBeNull();
        deletion.release();
        expect(await exited).toBe(0);
        const deleted = output.indexOf(`"interactionId":"${held}","msg":"deleted the interaction Google stored"`);
        expect(deleted).toBeGreaterThan(-1);
        expect(deleted).toBeLessThan(output.indexOf('"msg":"bot stopped"'));
      }
      expect(await exited).toBe(0);
      const notice = await discord.waitForMessage((message) => message.id === discord.interaction(interactionId).originalMessageId && message.content !== '');
      expect(notice.content).toMatch(/restarting/);
      stalled.release();
      // The process exited after its stop: a deletion it left unsent would never come. Google keeps nothing of the turn.
      const [cut] = geminiCalls({ gemini });
      expect(cut!.interactionId !== undefined).toBe(suiteGeminiApi() === 'interactions');
      await vi.waitFor(() => expect(gemini.interactions.storedIds()).toEqual([]), { timeout: 10_000, interval: 20 });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await Promise.all([discord.close(), gemini.close()]);
      await rm(directory, { recursive: true, force: true });
    }
  });

  describe('npm run deploy-commands', () => {
    const deployScript = (): string => path.join(path.dirname(entry()), 'deployCommands.js');

    it('refuses, like start, with one message naming every problem and no stack trace', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'deploy-process-'));
      const child = spawn(process.execPath, [deployScript()], { cwd: directory, env: { PATH: process.env['PATH'] ?? '', DISCORD_API_URL: 'nope' } });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await exitOf(child)).toBe(1);
      expect(stderr).toContain('Cannot deploy the commands; fix these settings (see .env.example)');
      for (const name of ['DISCORD_TOKEN', 'GEMINI_API_KEY', 'DISCORD_API_URL']) expect(stderr).toContain(name);
      expect(stderr).not.toMatch(/\n\s+at /);
      await rm(directory, { recursive: true, force: true });
    });

    it('reads the .env file in its folder, where a real environment variable wins, and registers the commands the bot handles', async () => {
      const discord = await startDiscordEmulator();
      const directory = await mkdtemp(path.join(tmpdir(), 'deploy-process-'));
      // The .env points at a port nothing listens on: only the real variable reaches the emulator.
      await writeFile(path.join(directory, '.env'), `DISCORD_TOKEN=${discord.token}\nGEMINI_API_KEY=unused\nDISCORD_GUILD_ID=${discord.guildId}\nDISCORD_API_URL=http://127.0.0.1:9/api\n`);
      const child = spawn(process.execPath, [deployScript()], { cwd: directory, env: { PATH: process.env['PATH'] ?? '', DISCORD_API_URL: discord.apiUrl } });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await exitOf(child)).toBe(0);
      expect(output).toContain(`for server ${discord.guildId}.`);
      expect(discord.registeredCommands(discord.guildId).map((command) => command.name)).toEqual(commands.map((command) => command.data.name));
      expect(discord.unexpectedRequests).toEqual([]);
      await discord.close();
      await rm(directory, { recursive: true, force: true });
    });
  });
});
