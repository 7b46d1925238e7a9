import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { checkAccess, type AccessRequest } from '../../src/settings/checkAccess.js';
import { GuildSettings } from '../../src/settings/guildSettings.js';
import { openStore, type Store } from '../../src/store/openStore.js';

const GUILD = '100000000000000001';
const GENERAL = '300000000000000001';
const ART = '300000000000000002';
const THREAD = '300000000000000003';
const ARTISTS = '400000000000000001';

let store: Store;
let bot: { guildSettings: GuildSettings; logger: ReturnType<typeof createLogger> };

beforeEach(async () => {
  store = await openStore('sqlite://:memory:');
  const parsed = parseConfig({ DISCORD_TOKEN: 'token', GEMINI_API_KEY: 'key' });
  if (!parsed.ok) throw new Error('config');
  const logger = createLogger('silent');
  bot = { guildSettings: new GuildSettings(store.keyv, parsed.config, logger), logger };
});
afterEach(() => store.close());

const asked = (overrides: Partial<AccessRequest> = {}): AccessRequest => ({
  guildId: GUILD,
  channelId: GENERAL,
  memberRoleIds: [],
  userId: '200000000000000001',
  roleName: (id) => (id === ARTISTS ? 'Artists' : undefined),
  ...overrides,
});

describe('who may use the bot where', () => {
  it('lets anyone use it anywhere by default, returning the settings that apply', async () => {
    expect(await checkAccess(bot, asked())).toMatchObject({ ok: true, settings: { model: 'gemini-3-pro-image', channelIds: [] } });
  });

  it('answers only in the chosen channels and their threads, naming them as channel links', async () => {
    await bot.guildSettings.update(GUILD, () => ({ channelIds: [ART] }));
    expect(await checkAccess(bot, asked())).toEqual({ ok: false, refusal: { kind: 'channel-not-allowed', channelIds: [ART] } });
    expect((await checkAccess(bot, asked({ channelId: ART }))).ok).toBe(true);
    expect((await checkAccess(bot, asked({ channelId: THREAD, parentChannelId: ART }))).ok).toBe(true);
    await bot.guildSettings.update(GUILD, () => ({ channelIds: [ART, THREAD] }));
    expect(await checkAccess(bot, asked())).toMatchObject({ refusal: { kind: 'channel-not-allowed', channelIds: [ART, THREAD] } });
  });

  it('requires the chosen role, naming it without a role mention (which would ping)', async () => {
    await bot.guildSettings.update(GUILD, () => ({ requiredRoleId: ARTISTS }));
    const refused = await checkAccess(bot, asked());
    expect(refused).toEqual({ ok: false, refusal: { kind: 'role-required', roleName: 'Artists' } });
    expect((await checkAccess(bot, asked({ memberRoleIds: [ARTISTS] }))).ok).toBe(true);
  });

  it('explains a required role it cannot name (deleted since) without showing an id', async () => {
    await bot.guildSettings.update(GUILD, () => ({ requiredRoleId: '400000000000000009' }));
    const refused = await checkAccess(bot, asked());
    expect(refused).toEqual({ ok: false, refusal: { kind: 'role-required', roleName: undefined } });
  });

  it('treats @everyone (the role with the server\'s id) as held by every member', async () => {
    await bot.guildSettings.update(GUILD, () => ({ requiredRoleId: GUILD }));
    expect((await checkAccess(bot, asked())).ok).toBe(true);
  });
});
