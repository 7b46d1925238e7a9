// Runs once (vitest.config.ts): deploy-commands registers the command list and never calls Gemini, so GEMINI_API changes nothing here.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { registerCommands } from '../../src/discord/registerCommands.js';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { parseConfig, type Config } from '../../src/config/config.js';

let discord: DiscordEmulator;

beforeEach(async () => {
  discord = await startDiscordEmulator();
});

afterEach(async () => {
  expect(discord.unexpectedRequests).toEqual([]);
  await discord.close();
});

function config(extra: Record<string, string> = {}): Config {
  const parsed = parseConfig({ DISCORD_TOKEN: discord.token, GEMINI_API_KEY: 'unused', DISCORD_API_URL: discord.apiUrl, ...extra });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.config;
}

describe('deploy-commands', () => {
  it('registers the same command list the bot dispatches, globally by default', async () => {
    const names = commands.map((command) => command.data.name);
    await expect(registerCommands(config(), commands)).resolves.toEqual({ scope: 'global', names });
    expect(discord.registeredCommands().map((command) => command.name)).toEqual(names);
    const imagine = discord.registeredCommands().find((command) => command.name === 'imagine');
    expect(imagine?.name).toBe('imagine');
    expect(imagine?.options?.map((option) => option.name)).toEqual([
      'prompt',
      'aspect_ratio',
      'size',
      'model',
      'search',
      'reference1',
      'reference2',
      'reference3',
      'reference4',
    ]);
    // What a model makes differs by model: the image options are suggested as the member types, never a fixed list.
    for (const name of ['aspect_ratio', 'size']) {
      const option = imagine?.options?.find((candidate) => candidate.name === name) as { autocomplete?: boolean; choices?: unknown[] };
      expect(option).toMatchObject({ autocomplete: true });
      expect(option.choices).toBeUndefined();
    }
    const image = discord.registeredCommands().find((command) => command.name === 'settings')?.options?.find((option) => option.name === 'image') as
      | { options?: Array<{ name: string; autocomplete?: boolean; choices?: unknown[] }> }
      | undefined;
    expect(image?.options?.map(({ name, autocomplete, choices }) => ({ name, autocomplete, choices }))).toEqual([
      { name: 'aspect_ratio', autocomplete: true, choices: undefined },
      { name: 'size', autocomplete: true, choices: undefined },
    ]);
  });

  it('registers to one server when DISCORD_GUILD_ID is set', async () => {
    await expect(registerCommands(config({ DISCORD_GUILD_ID: discord.guildId }), commands)).resolves.toMatchObject({ scope: 'guild' });
    expect(discord.registeredCommands(discord.guildId).map((command) => command.name)).toEqual(commands.map((command) => command.data.name));
    expect(discord.registeredCommands()).toEqual([]);
  });

  it('offers a model option on /imagine only when more than one model is allowed', async () => {
    await registerCommands(config({ GEMINI_MODELS: 'gemini-3-pro-image,gemini-3.1-flash-image' }), commands);
    const model = discord.registeredCommands().find((command) => command.name === 'imagine')?.options?.find((option) => option.name === 'model') as
      | { choices?: Array<{ value: string }> }
      | undefined;
    expect(model?.choices?.map((choice) => choice.value)).toEqual(['gemini-3-pro-image', 'gemini-3.1-flash-image']);

    await registerCommands(config({ GEMINI_MODELS: 'gemini-3-pro-image' }), commands);
    const imagine = discord.registeredCommands().find((command) => command.name === 'imagine');
    expect(imagine?.options?.map((option) => option.name)).not.toContain('model');
  });

  it('lets the model be typed, on /imagine and /settings model, when more models are allowed than Discord offers as choices', async () => {
    const many = Array.from({ length: 26 }, (_, index) => `gemini-model-${index}`);
    await registerCommands(config({ GEMINI_MODELS: many.join(',') }), commands);
    const registered = discord.registeredCommands();
    const imagineModel = registered.find((command) => command.name === 'imagine')?.options?.find((option) => option.name === 'model') as { choices?: unknown[] } | undefined;
    const settingsModel = (registered.find((command) => command.name === 'settings')?.options?.find((option) => option.name === 'model') as { options?: Array<{ choices?: unknown[] }> })?.options?.[0];
    expect(imagineModel).toBeDefined();
    expect([imagineModel?.choices, settingsModel?.choices]).toEqual([undefined, undefined]);
  });
});

