import { describe, expect, it } from 'vitest';
import { Routes, type Client } from 'discord.js';
import type { DiscordEmulator } from './discord/index.js';
import { apiError, emulatorHarness, nextInteraction } from './discord/testing.js';

const { start, connect } = emulatorHarness();

/** /pick with a string option that suggests, one with fixed choices, and an integer one that suggests. */
const PICK = {
  name: 'pick',
  description: 'pick something',
  options: [
    { type: 3, name: 'shape', description: 'a shape', autocomplete: true },
    { type: 3, name: 'colour', description: 'a colour', choices: [{ name: 'red', value: 'red' }] },
    { type: 4, name: 'count', description: 'how many', autocomplete: true },
  ],
};

async function registered(emu: DiscordEmulator, client: Client, body: unknown[] = [PICK]) {
  return client.rest.put(Routes.applicationGuildCommands(emu.applicationId, emu.guildId), { body });
}

function typing(emu: DiscordEmulator, option: string, value: string, type = 3) {
  return emu.sendAutocomplete({ user: emu.users.bob, name: 'pick', options: [{ type, name: option, value, focused: true }] });
}

describe('discord emulator: autocomplete', () => {
  it('refuses to register an option with both autocomplete and choices, or autocomplete on a type that cannot have it', async () => {
    const emu = await start();
    const client = await connect(emu);
    const both = { ...PICK, options: [{ type: 3, name: 'shape', description: 'a shape', autocomplete: true, choices: [{ name: 'a', value: 'a' }] }] };
    const error = await apiError(registered(emu, client, [both]));
    expect(error.code).toBe(50035);
    expect(JSON.stringify(error.rawError)).toContain('"autocomplete"');
    const onBoolean = { ...PICK, options: [{ type: 5, name: 'flag', description: 'a flag', autocomplete: true }] };
    expect((await apiError(registered(emu, client, [onBoolean]))).code).toBe(50035);
    // Inside a subcommand too.
    const nested = { name: 'settings', description: 'x', options: [{ type: 1, name: 'image', description: 'x', options: both.options }] };
    expect((await apiError(registered(emu, client, [nested]))).code).toBe(50035);
    expect(emu.registeredCommands(emu.guildId)).toEqual([]);
  });

  it('sends what the member typed as an AutocompleteInteraction, and shows the suggestions the bot answers with', async () => {
    const emu = await start();
    const client = await connect(emu);
    await registered(emu, client);
    const received = nextInteraction(client, (i) => i.isAutocomplete());
    const { interactionId } = typing(emu, 'shape', 'squ');
    const interaction = await received;
    expect(interaction.commandName).toBe('pick');
    expect(interaction.options.getFocused(true)).toMatchObject({ name: 'shape', value: 'squ' });
    expect(interaction.isRepliable()).toBe(false);
    await interaction.respond([{ name: 'square', value: 'square' }]);
    const record = await emu.waitForInteractionResponse(interactionId);
    expect(record.ackType).toBe(8);
    expect(record.autocompleteChoices).toEqual([{ name: 'square', value: 'square' }]);
    // Suggestions are not a message, and there is nothing to follow up.
    expect(emu.messages(emu.channelId)).toEqual([]);
    expect((await apiError(client.rest.post(Routes.webhook(emu.applicationId, interaction.token), { body: { content: 'x' }, auth: false }))).code).toBe(10015);
  });

  it('rejects suggestions Discord would reject: more than 25, a bad name, a value not of the option\'s type', async () => {
    const emu = await start();
    const client = await connect(emu);
    await registered(emu, client);
    const answer = async (choices: unknown[], option = 'shape', type = 3) => {
      const received = nextInteraction(client, (i) => i.isAutocomplete());
      typing(emu, option, '', type);
      const interaction = await received;
      return apiError(client.rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: { type: 8, data: { choices } }, auth: false }));
    };
    const many = Array.from({ length: 26 }, (_, index) => ({ name: `s${index}`, value: `s${index}` }));
    expect((await answer(many)).code).toBe(50035);
    expect((await answer([{ name: '', value: 'a' }])).code).toBe(50035);
    expect((await answer([{ name: 'x'.repeat(101), value: 'a' }])).code).toBe(50035);
    expect((await answer([{ name: 'a', value: 'x'.repeat(101) }])).code).toBe(50035);
    expect((await answer([{ name: 'one', value: 1 }])).code).toBe(50035);
    expect((await answer([{ name: 'one', value: 'one' }], 'count', 4)).code).toBe(50035);
    expect((await answer([{ name: 'half', value: 1.5 }], 'count', 4)).code).toBe(50035);
  });

  it('takes suggestions only for autocomplete, and nothing else for autocomplete', async () => {
    const emu = await start();
    const client = await connect(emu);
    await registered(emu, client);
    const received = nextInteraction(client, (i) => i.isAutocomplete());
    typing(emu, 'count', '3', 4);
    const autocomplete = await received;
    const asMessage = client.rest.post(Routes.interactionCallback(autocomplete.id, autocomplete.token), { body: { type: 4, data: { content: 'hi' } }, auth: false });
    expect((await apiError(asMessage)).code).toBe(50035);
    await autocomplete.respond([{ name: 'three', value: 3 }]);
    const again = client.rest.post(Routes.interactionCallback(autocomplete.id, autocomplete.token), { body: { type: 8, data: { choices: [] } }, auth: false });
    expect((await apiError(again)).code).toBe(40060);

    const command = nextInteraction(client, (i) => i.isChatInputCommand());
    emu.sendSlashCommand({ user: emu.users.bob, name: 'pick' });
    const slash = await command;
    const suggestions = client.rest.post(Routes.interactionCallback(slash.id, slash.token), { body: { type: 8, data: { choices: [] } }, auth: false });
    expect((await apiError(suggestions)).code).toBe(50035);
  });

  it('answers a late suggestion with 10062, like any late first answer', async () => {
    const emu = await start();
    const client = await connect(emu);
    await registered(emu, client);
    const received = nextInteraction(client, (i) => i.isAutocomplete());
    typing(emu, 'shape', 's');
    const interaction = await received;
    emu.advanceClock(3_001);
    expect((await apiError(interaction.respond([{ name: 'square', value: 'square' }]))).code).toBe(10062);
  });

  it('sends autocomplete only for an option registered with it, with exactly one option focused', async () => {
    const emu = await start();
    const client = await connect(emu);
    expect(() => typing(emu, 'shape', 's')).toThrow(/not registered with autocomplete/);
    await registered(emu, client);
    expect(() => typing(emu, 'colour', 'r')).toThrow(/not registered with autocomplete/);
    expect(() => emu.sendAutocomplete({ user: emu.users.bob, name: 'pick', options: [{ type: 3, name: 'shape', value: 's' }] })).toThrow(/exactly one option/);
    expect(() => typing(emu, 'count', '3', 3)).toThrow(/registered type/);
  });
});
