import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';

const required = { DISCORD_TOKEN: 'discord-token', GEMINI_API_KEY: 'gemini-key' };

describe('configuration', () => {
  it('fills every default an operator relies on when only the two secrets are set', () => {
    const result = parseConfig(required);
    expect(result).toEqual({
      ok: true,
      config: expect.objectContaining({
        discordApiUrl: 'https://discord.com/api',
        geminiApiUrl: 'https://generativelanguage.googleapis.com/v1beta',
        geminiModel: 'gemini-3-pro-image',
        attachmentOrigins: ['https://cdn.discordapp.com', 'https://media.discordapp.net'],
        databaseUrl: 'sqlite://data/bot.sqlite',
        discordGuildId: undefined,
      }),
    });
  });

  it('names every problem at once instead of stopping at the first', () => {
    const result = parseConfig({ DISCORD_API_URL: 'ftp://example', ATTACHMENT_ORIGINS: 'not a url', DISCORD_GUILD_ID: 'abc' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.problems.join('\n');
    for (const name of ['DISCORD_TOKEN', 'GEMINI_API_KEY', 'DISCORD_API_URL', 'ATTACHMENT_ORIGINS', 'DISCORD_GUILD_ID']) {
      expect(text).toContain(name);
    }
  });

  it('treats an empty value from a .env file as not set', () => {
    const result = parseConfig({ ...required, DISCORD_GUILD_ID: '', GEMINI_MODEL: '  ' });
    expect(result.ok && result.config.discordGuildId).toBe(undefined);
    expect(result.ok && result.config.geminiModel).toBe('gemini-3-pro-image');
  });

  it('reads a comma-separated origin list and drops trailing slashes from URLs', () => {
    const result = parseConfig({
      ...required,
      ATTACHMENT_ORIGINS: 'http://127.0.0.1:8080, https://cdn.example.com/',
      GEMINI_API_URL: 'http://127.0.0.1:9000/v1beta/',
      DISCORD_GUILD_ID: '123456789012345678',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.attachmentOrigins).toEqual(['http://127.0.0.1:8080', 'https://cdn.example.com']);
    expect(result.config.geminiApiUrl).toBe('http://127.0.0.1:9000/v1beta');
    expect(result.config.discordGuildId).toBe('123456789012345678');
  });

  it('refuses an origin with a path, which would look like a prefix rule', () => {
    const result = parseConfig({ ...required, ATTACHMENT_ORIGINS: 'https://cdn.discordapp.com/attachments' });
    expect(result.ok).toBe(false);
  });
});
