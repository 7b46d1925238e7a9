import Keyv from 'keyv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { GuildSettings } from '../../src/settings/guildSettings.js';
import { openStore, type Store } from '../../src/store/openStore.js';

const GUILD = '100000000000000001';
const CHANNEL = '300000000000000001';
const ROLE = '400000000000000001';

let store: Store;
let logLines: string[];

function config(env: Record<string, string> = {}): Config {
  const parsed = parseConfig({ DISCORD_TOKEN: 'token', GEMINI_API_KEY: 'key', ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.config;
}

function settings(env: Record<string, string> = {}) {
  return new GuildSettings(store.keyv, config(env), createLogger('debug', { write: (line: string) => void logLines.push(line) }));
}

beforeEach(async () => {
  store = await openStore('sqlite://:memory:');
  logLines = [];
});
afterEach(() => store.close());

describe('per-server settings', () => {
  it('start from the environment\'s defaults', async () => {
    const effective = await settings({ DEFAULT_ASPECT_RATIO: '16:9', DAILY_IMAGE_LIMIT: '5', MONTHLY_BUDGET_USD: '12.5' }).effectiveSettings(GUILD);
    expect(effective).toEqual({
      model: 'gemini-3-pro-image',
      modelKnown: true,
      aspectRatio: '16:9',
      imageSize: undefined,
      chosenDefaults: { server: {}, environment: { aspectRatio: '16:9' } },
      channelIds: [],
      requiredRoleId: undefined,
      dailyImageLimit: 5,
      monthlyBudgetUsd: 12.5,
      previews: true,
      disallowedModel: undefined,
      defaultsNotTaken: undefined,
    });
  });

  it('show sketches while drawing as the environment says (PREVIEWS), unless the server chose otherwise', async () => {
    expect((await settings({ PREVIEWS: 'off' }).effectiveSettings(GUILD)).previews).toBe(false);
    await settings({ PREVIEWS: 'off' }).update(GUILD, (current) => ({ ...current, previews: true }));
    expect((await settings({ PREVIEWS: 'off' }).effectiveSettings(GUILD)).previews).toBe(true);
    await settings().update(GUILD, (current) => ({ ...current, previews: false }));
    expect((await settings({ PREVIEWS: 'on' }).effectiveSettings(GUILD)).previews).toBe(false);
  });

  it('keep what an admin chose, across a new instance (a restart), over the defaults; 0 means "none" even when the environment sets a limit', async () => {
    const env = { DAILY_IMAGE_LIMIT: '5', DEFAULT_IMAGE_SIZE: '2K' };
    await settings(env).update(GUILD, () => ({ model: 'gemini-3.1-flash-image', aspectRatio: '3:2', channelIds: [CHANNEL], requiredRoleId: ROLE, dailyImageLimit: 0, monthlyBudgetUsd: 3 }));
    expect(await settings(env).effectiveSettings(GUILD)).toMatchObject({
      model: 'gemini-3.1-flash-image',
      aspectRatio: '3:2',
      imageSize: '2K',
      channelIds: [CHANNEL],
      requiredRoleId: ROLE,
      dailyImageLimit: 0,
      monthlyBudgetUsd: 3,
    });
    expect(await settings(env).effectiveSettings('100000000000000002')).toMatchObject({ dailyImageLimit: 5, channelIds: [] });
  });

  it('set aside a default the model does not make, for the environment\'s or Gemini\'s own, and bring it back with a model that makes it', async () => {
    const guild = settings({ DEFAULT_ASPECT_RATIO: '16:9', GEMINI_MODELS: 'gemini-3-pro-image,gemini-3.1-flash-image' });
    await guild.update(GUILD, () => ({ model: 'gemini-3.1-flash-image', aspectRatio: '1:8', imageSize: '512' }));
    expect(await guild.effectiveSettings(GUILD)).toMatchObject({ model: 'gemini-3.1-flash-image', aspectRatio: '1:8', imageSize: '512', defaultsNotTaken: undefined });
    await guild.update(GUILD, (current) => ({ ...current, model: 'gemini-3-pro-image' }));
    expect(await guild.effectiveSettings(GUILD)).toMatchObject({ model: 'gemini-3-pro-image', aspectRatio: '16:9', imageSize: undefined, defaultsNotTaken: { aspectRatio: '1:8', imageSize: '512' } });
    // Kept as chosen, for a turn on a model that makes them.
    expect((await guild.effectiveSettings(GUILD)).chosenDefaults).toEqual({ server: { aspectRatio: '1:8', imageSize: '512' }, environment: { aspectRatio: '16:9' } });
    await guild.update(GUILD, (current) => ({ ...current, model: 'gemini-3.1-flash-image' }));
    expect(await guild.effectiveSettings(GUILD)).toMatchObject({ aspectRatio: '1:8', imageSize: '512', defaultsNotTaken: undefined });
  });

  it('set aside an environment default the server\'s model does not make', async () => {
    const guild = settings({ GEMINI_MODEL: 'gemini-3.1-flash-image', DEFAULT_IMAGE_SIZE: '512', GEMINI_MODELS: 'gemini-3-pro-image' });
    expect(await guild.effectiveSettings(GUILD)).toMatchObject({ model: 'gemini-3.1-flash-image', imageSize: '512', defaultsNotTaken: undefined });
    await guild.update(GUILD, () => ({ model: 'gemini-3-pro-image' }));
    expect(await guild.effectiveSettings(GUILD)).toMatchObject({ model: 'gemini-3-pro-image', imageSize: undefined, defaultsNotTaken: { imageSize: '512' } });
  });

  it('apply two changes made at the same moment, losing neither', async () => {
    const guildSettings = settings();
    await Promise.all([
      guildSettings.update(GUILD, (current) => ({ ...current, channelIds: [...(current.channelIds ?? []), CHANNEL] })),
      guildSettings.update(GUILD, (current) => ({ ...current, channelIds: [...(current.channelIds ?? []), '300000000000000002'] })),
    ]);
    expect((await guildSettings.effectiveSettings(GUILD)).channelIds).toEqual([CHANNEL, '300000000000000002']);
  });

  it('fall back to the default model when the stored one is no longer allowed, and say which it was', async () => {
    await settings().update(GUILD, () => ({ model: 'gemini-3.1-flash-image' }));
    const effective = await settings({ GEMINI_MODELS: 'gemini-3-pro-image' }).effectiveSettings(GUILD);
    expect(effective.model).toBe('gemini-3-pro-image');
    expect(effective.disallowedModel).toBe('gemini-3.1-flash-image');
  });

  it('read as defaults marked damaged when the stored record is corrupt or from an unknown version, logging the problem instead of crashing', async () => {
    await store.keyv.set(`guild-settings:${GUILD}`, { version: 1, dailyImageLimit: -3 });
    const corrupt = await settings({ DAILY_IMAGE_LIMIT: '4' }).read(GUILD);
    expect([corrupt.effective.dailyImageLimit, corrupt.damaged]).toEqual([4, true]);
    await store.keyv.set(`guild-settings:${GUILD}`, { version: 2, model: 'x' });
    const unknown = await settings().read(GUILD);
    expect([unknown.effective.model, unknown.damaged]).toEqual(['gemini-3-pro-image', true]);
    expect((await settings().update(GUILD, (current) => ({ ...current, dailyImageLimit: 2 }))).replacedDamaged).toBe(true);
    expect((await settings().read(GUILD)).damaged).toBe(false);
    const errors = logLines.filter((line) => line.includes('stored server settings are unreadable'));
    expect(errors).toHaveLength(3); // the update read the damaged record too
    expect(errors[1]).toContain('unknown record version 2');
  });
});

describe('reading a server\'s settings for many requests at once', () => {
  function sharedSettings(gated: GatedStore) {
    return new GuildSettings(new Keyv({ store: gated, throwOnErrors: true }), config(), createLogger('debug', { write: () => undefined }));
  }

  it('reads the store once for the requests that arrive while a read is under way, and again for one after it', async () => {
    const gated = new GatedStore();
    const guildSettings = sharedSettings(gated);
    const release = gated.hold();
    const burst = Array.from({ length: 50 }, () => guildSettings.read(GUILD));
    const otherServer = guildSettings.read('100000000000000002');
    release();
    await Promise.all([...burst, otherServer]);
    expect(gated.reads).toEqual([`guild-settings:${GUILD}`, 'guild-settings:100000000000000002']);
    await guildSettings.read(GUILD);
    expect(gated.reads).toHaveLength(3);
  });

  it('gives a request that comes after a change the changed settings, even while an older read is still under way', async () => {
    const gated = new GatedStore();
    const guildSettings = sharedSettings(gated);
    const release = gated.hold();
    const before = guildSettings.read(GUILD); // held: began before the change
    await guildSettings.update(GUILD, () => ({ dailyImageLimit: 3 }));
    const after = guildSettings.read(GUILD);
    release();
    expect((await after).effective.dailyImageLimit).toBe(3);
    await before;
  });
});

/** A store whose first read waits while held (as a busy network store's would), and that lists every key read. */
class GatedStore {
  private readonly data = new Map<string, unknown>();
  private gate: Promise<void> | undefined;
  readonly reads: string[] = [];

  /** Holds the next read until the returned function is called. */
  hold(): () => void {
    let release = () => undefined as void;
    this.gate = new Promise((resolve) => (release = resolve));
    return release;
  }

  async get(key: string): Promise<unknown> {
    this.reads.push(key.replace(/^keyv:/, ''));
    const value = this.data.get(key); // what the store held when the read reached it
    const gate = this.gate;
    this.gate = undefined;
    await gate;
    return value;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    this.data.set(key, value);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.data.delete(key);
  }

  async clear(): Promise<void> {
    this.data.clear();
  }
}
