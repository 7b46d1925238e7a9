// Runs once (vitest.config.ts): /settings never calls Gemini, so GEMINI_API cannot change what it shows; what the settings
// change in a Gemini call (model, image options) runs on both APIs in serverControls.test.ts and modelRanges.test.ts.
import { describe, expect, it } from 'vitest';
import { settingsCommand } from '../../commands/settings.js';
import { registerCommands } from '../../src/discord/registerCommands.js';
import { useHarness } from './useHarness.js';
import { privateReply } from './settingsHelpers.js';

const harness = useHarness({ env: { DAILY_IMAGE_LIMIT: '20' } });

const settings = (subcommand: string, options: Parameters<typeof privateReply>[4] = [], user = harness.discord.users.alice) =>
  privateReply(harness, user, 'settings', subcommand, options);
const text = (name: string, value: string) => ({ type: 3, name, value });

describe('/settings, for members with Manage Server', () => {
  it('shows the defaults from the environment before anything is chosen', async () => {
    const shown = await settings('show');
    expect(shown).toBe(
      [
        'Settings for this server:',
        '- Model: gemini-3-pro-image (default). Allowed: gemini-3-pro-image, gemini-3.1-flash-image.',
        '- Aspect ratio: 1:1 (default); size: 1K (default).',
        '- Channels: every channel.',
        '- Required role: none (everyone may use the bot).',
        '- Images per member per day: 20 (default).',
        '- Monthly budget: none (default).',
        '- Sketches while drawing: on (default).',
      ].join('\n'),
    );
  });

  it('refuses a member without Manage Server, changing nothing', async () => {
    expect(await settings('limits', [{ type: 4, name: 'daily_images', value: 0 }], harness.discord.users.bob)).toBe(
      'Only members with the Manage Server permission can change my settings.',
    );
    expect(await settings('show')).toContain('Images per member per day: 20 (default).');
  });

  it('refuses a channel or role of another server (a stale or modified client), changing nothing', async () => {
    const channel = (value: string) => [text('action', 'add'), { type: 7, name: 'channel', value }];
    expect(await settings('channels', channel(harness.discord.secondGuildChannelId))).toBe('Pick a text channel of this server.');
    expect(await settings('role', [{ type: 8, name: 'role', value: harness.discord.secondGuildId }])).toBe('Pick a role of this server.');
    expect(await settings('show')).toContain('- Channels: every channel.');
    expect(await settings('show')).toContain('- Required role: none (everyone may use the bot).');
  });

  it('chooses the model from the allow-list, refusing others', async () => {
    expect(await settings('model', [text('model', 'gemini-3.1-flash-image')])).toBe('New conversations on this server now use gemini-3.1-flash-image.');
    expect(await settings('model', [text('model', 'gemini-2.5-flash-image')])).toBe(
      'gemini-2.5-flash-image is not allowed on this bot. Choose one of: gemini-3-pro-image, gemini-3.1-flash-image.',
    );
    expect(await settings('show')).toContain('- Model: gemini-3.1-flash-image. Allowed:');
  });

  it('sets the default aspect ratio and size, either or both', async () => {
    expect(await settings('image', [text('aspect_ratio', '16:9')])).toBe('New images on this server are now 16:9 at 1K unless a member picks otherwise.');
    expect(await settings('image', [text('size', '2K')])).toBe('New images on this server are now 16:9 at 2K unless a member picks otherwise.');
    expect(await settings('image')).toBe('Choose an aspect ratio, a size, or both.');
    expect(await settings('show')).toContain('- Aspect ratio: 16:9; size: 2K.');
  });

  it('limits the bot to chosen channels, as channel links, and opens it up again', async () => {
    const { channelId, otherChannelId } = harness.discord;
    const channel = (id: string) => [text('action', 'add'), { type: 7, name: 'channel', value: id }];
    expect(await settings('channels', channel(otherChannelId))).toBe(`I now work only in <#${otherChannelId}> (and their threads).`);
    expect(await settings('channels', channel(channelId))).toBe(`I now work only in <#${otherChannelId}>, <#${channelId}> (and their threads).`);
    expect(await settings('channels', [text('action', 'remove'), { type: 7, name: 'channel', value: otherChannelId }])).toBe(
      `I no longer work in <#${otherChannelId}>; I work only in <#${channelId}>.`,
    );
    expect(await settings('channels', [text('action', 'add')])).toBe('Pick the channel to add.');
    expect(await settings('show')).toContain(`- Channels: <#${channelId}>.`);
    expect(await settings('channels', [text('action', 'all')])).toBe('I now work in every channel of this server.');
    expect(await settings('show')).toContain('- Channels: every channel.');
  });

  it('requires a role, named rather than mentioned, and clears it when the option is left out', async () => {
    const artists = harness.discord.createRole({ name: 'Artists' });
    expect(await settings('role', [{ type: 8, name: 'role', value: artists.id }])).toBe('Only members with the Artists role can use me now.');
    expect(await settings('show')).toContain('- Required role: Artists.');
    expect(await settings('role')).toBe('Every member of this server can use me now.');
    expect(await settings('show')).toContain('- Required role: none (everyone may use the bot).');
  });

  it('sets the daily image limit and the monthly budget, 0 meaning none, and keeps them across a restart', async () => {
    expect(await settings('limits', [{ type: 4, name: 'daily_images', value: 5 }, { type: 10, name: 'monthly_budget_usd', value: 12.5 }])).toBe(
      "Each member may make up to 5 image(s) per day (UTC). The server's estimated spend is capped at $12.50 per month (UTC).",
    );
    expect(await settings('limits', [{ type: 4, name: 'daily_images', value: 0 }])).toBe(
      "Members have no daily image limit. The server's estimated spend is capped at $12.50 per month (UTC).",
    );
    expect(await settings('limits')).toBe('Give a daily image limit, a monthly budget, or both (0 means none).');
    await harness.restart();
    const shown = await settings('show');
    expect(shown).toContain('- Images per member per day: no limit.');
    expect(shown).toContain('- Monthly budget: $12.50.');
  });

  it("turns Gemini's sketches off and on again for the server", async () => {
    expect(await settings('previews', [text('state', 'off')])).toBe('Members now see only the finished image, without sketches while Gemini draws.');
    expect(await settings('show')).toContain('- Sketches while drawing: off.');
    expect(await settings('previews', [text('state', 'on')])).toBe('While Gemini draws, members now see its sketches in their pending reply.');
    expect(await settings('show')).toContain('- Sketches while drawing: on.');
  });

  it('is registered for Manage Server only, offering exactly the allowed models', async () => {
    await registerCommands(harness.config, [settingsCommand]);
    const registered = harness.discord.registeredCommands().find((command) => command.name === 'settings');
    expect(registered?.default_member_permissions).toBe('32');
    const model = registered?.options?.find((option) => option.name === 'model') as { options?: Array<{ choices?: Array<{ value: string }> }> };
    expect(model.options?.[0]?.choices?.map((choice) => choice.value)).toEqual(['gemini-3-pro-image', 'gemini-3.1-flash-image']);
  });
});
