import { once } from 'node:events';
import { afterEach, expect } from 'vitest';
import { Client, DiscordAPIError, Events, GatewayIntentBits, type Interaction } from 'discord.js';
import { startDiscordEmulator } from './index.js';
import type { DiscordEmulator, DiscordEmulatorOptions } from './types.js';

/** Helpers for the emulator's own proof tests: one emulator and its clients per test, torn down after. */
export function emulatorHarness() {
  const emulators: DiscordEmulator[] = [];
  const clients: Client[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.destroy();
    for (const emulator of emulators.splice(0)) await emulator.close();
  });

  return {
    async start(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
      const emulator = await startDiscordEmulator(options);
      emulators.push(emulator);
      return emulator;
    },
    async connect(
      emu: DiscordEmulator,
      intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    ): Promise<Client> {
      const client = new Client({ intents, rest: { api: emu.apiUrl } });
      clients.push(client);
      const ready = once(client, Events.ClientReady);
      await client.login(emu.token);
      await ready;
      return client;
    },
    /** Registers a client the test builds itself, so it is destroyed after the test. */
    track(client: Client): Client {
      clients.push(client);
      return client;
    },
  };
}

/** The next interaction that passes the type guard (e.g. `(i) => i.isButton()`). */
export function nextInteraction<T extends Interaction>(client: Client, guard: (i: Interaction) => i is T): Promise<T> {
  return new Promise((resolve) => {
    const listener = (interaction: Interaction) => {
      if (!guard(interaction)) return;
      client.off(Events.InteractionCreate, listener);
      resolve(interaction);
    };
    client.on(Events.InteractionCreate, listener);
  });
}

export async function apiError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}
