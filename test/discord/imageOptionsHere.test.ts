import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { ConversationStore } from '../../src/conversation/conversationStore.js';
import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';
import { imageOptionsHere } from '../../src/discord/imageOptionsHere.js';
import { ModelTable } from '../../src/gemini/imageOptions.js';
import { createLogger } from '../../src/logging/createLogger.js';
import { GuildSettings } from '../../src/settings/guildSettings.js';
import { openStore, type Store } from '../../src/store/openStore.js';

const GUILD = '100000000000000001';
const THREAD = '200000000000000001';
const FLASH = 'gemini-3.1-flash-image';
const FLASH_RANGE = new ModelTable().rangeOf(FLASH);
const PRO_RANGE = new ModelTable().rangeOf('gemini-3-pro-image');

let store: Store;
let logLines: string[];

function deps(env: Record<string, string> = {}, conversations?: ConversationStore) {
  const parsed = parseConfig({ DISCORD_TOKEN: 'token', GEMINI_API_KEY: 'key', ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  const logger = createLogger('debug', { write: (line: string) => void logLines.push(line) });
  return { conversations: conversations ?? new ConversationStore(store.keyv, new BlobStore(store.keyv)), guildSettings: new GuildSettings(store.keyv, parsed.config, logger), config: parsed.config, logger };
}

function thread(guildId: string): ConversationRecord {
  const now = '2026-12-01T00:00:00.000Z';
  return { version: 4, threadId: THREAD, guildId, model: FLASH, settings: { aspectRatio: '1:8' }, exchanges: [], createdAt: now, updatedAt: now };
}

beforeEach(async () => {
  store = await openStore('sqlite://:memory:');
  logLines = [];
});
afterEach(() => store.close());

describe('which model the suggestions follow', () => {
  it('in a conversation\'s thread, its own model and options, whatever model was picked', async () => {
    const here = deps();
    await here.conversations.save(thread(GUILD));
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: THREAD, chosenModel: 'gemini-3-pro-image' })).toEqual({ model: FLASH, range: FLASH_RANGE, applying: { aspectRatio: '1:8' } });
  });

  it('never a conversation of another server: its server\'s default instead', async () => {
    const here = deps();
    await here.conversations.save(thread('100000000000000002'));
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: THREAD, chosenModel: null })).toEqual({ model: 'gemini-3-pro-image', range: PRO_RANGE, applying: {} });
  });

  it('else the model picked when it is allowed, with the server\'s defaults it makes; else the server\'s model', async () => {
    const here = deps({ DEFAULT_ASPECT_RATIO: '16:9', DEFAULT_IMAGE_SIZE: '4K' });
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: null, chosenModel: FLASH })).toEqual({ model: FLASH, range: FLASH_RANGE, applying: { aspectRatio: '16:9', imageSize: '4K' } });
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: null, chosenModel: 'gemini-9-image' })).toEqual({ model: 'gemini-3-pro-image', range: PRO_RANGE, applying: { aspectRatio: '16:9', imageSize: '4K' } });
    await here.guildSettings.update(GUILD, () => ({ model: FLASH, imageSize: '512' }));
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: null, chosenModel: null })).toEqual({ model: FLASH, range: FLASH_RANGE, applying: { aspectRatio: '16:9', imageSize: '512' } });
    // The picked model does not make 512: the server's default gives way to the environment's, as in the turn.
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: null, chosenModel: 'gemini-3-pro-image' })).toEqual({ model: 'gemini-3-pro-image', range: PRO_RANGE, applying: { aspectRatio: '16:9', imageSize: '4K' } });
    // A default set aside for the server's model applies again to a picked model that makes it.
    await here.guildSettings.update(GUILD, () => ({ model: 'gemini-3-pro-image', aspectRatio: '1:8', imageSize: '512' }));
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: null, chosenModel: null })).toEqual({ model: 'gemini-3-pro-image', range: PRO_RANGE, applying: { aspectRatio: '16:9', imageSize: '4K' } });
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: null, chosenModel: FLASH })).toEqual({ model: FLASH, range: FLASH_RANGE, applying: { aspectRatio: '1:8', imageSize: '512' } });
  });

  it('falls back to the environment\'s defaults when the store fails, and logs it', async () => {
    const failing = { load: () => Promise.reject(new Error('store down')) } as unknown as ConversationStore;
    const here = deps({ GEMINI_MODEL: FLASH, DEFAULT_IMAGE_SIZE: '512' }, failing);
    expect(await imageOptionsHere(here, { guildId: GUILD, channelId: THREAD, chosenModel: null })).toEqual({ model: FLASH, range: FLASH_RANGE, applying: { imageSize: '512' } });
    expect(logLines.join('\n')).toContain('could not read what applies here for suggestions');
  });
});
