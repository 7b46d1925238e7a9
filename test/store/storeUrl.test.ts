import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { redactMessage, redactUrl, storeBackend } from '../../src/store/storeUrl.js';

const required = { DISCORD_TOKEN: 'discord-token', GEMINI_API_KEY: 'gemini-key' };

describe('store URLs', () => {
  it('names the backend by scheme, and nothing else', () => {
    expect(storeBackend('sqlite://data/bot.sqlite')).toBe('sqlite');
    expect(storeBackend('sqlite:///var/lib/bot/bot.sqlite')).toBe('sqlite');
    expect(storeBackend('postgres://bot:secret@db:5432/bot')).toBe('postgres');
    expect(storeBackend('postgresql://db/bot?sslmode=require')).toBe('postgres');
    expect(storeBackend('redis://cache:6379/2')).toBe('redis');
    expect(storeBackend('rediss://default:secret@cache.example:6380')).toBe('redis');
    for (const refused of ['mysql://db/bot', 'sqlite://', 'postgres://', 'data/bot.sqlite', 'mongodb://db', 'http://db']) {
      expect(storeBackend(refused), refused).toBeUndefined();
    }
  });

  it('keeps the password out of what an operator reads', () => {
    expect(redactUrl('postgres://bot:s3cret@db:5432/bot')).toBe('postgres://bot:***@db:5432/bot');
    expect(redactUrl('rediss://:s3cret@cache:6380')).toBe('rediss://:***@cache:6380');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
    expect(redactUrl('sqlite://data/bot.sqlite')).toBe('sqlite://data/bot.sqlite');
    expect(redactMessage('auth failed for p%40ss and p@ss', 'postgres://bot:p%40ss@db/bot')).toBe('auth failed for *** and ***');
  });
});

describe('DATABASE_URL and BLOB_URL settings', () => {
  it('keep blobs with everything else unless BLOB_URL says otherwise', () => {
    const shared = parseConfig({ ...required, DATABASE_URL: 'postgres://db/bot' });
    expect(shared.ok && [shared.config.databaseUrl, shared.config.blobUrl]).toEqual(['postgres://db/bot', 'postgres://db/bot']);
    const split = parseConfig({ ...required, DATABASE_URL: 'redis://cache', BLOB_URL: 'sqlite://data/blobs.sqlite' });
    expect(split.ok && split.config.blobUrl).toBe('sqlite://data/blobs.sqlite');
    const byDefault = parseConfig(required);
    expect(byDefault.ok && byDefault.config.blobUrl).toBe('sqlite://data/bot.sqlite');
  });

  it('refuse an unknown scheme, naming the variable without repeating its password', () => {
    const result = parseConfig({ ...required, DATABASE_URL: 'mysql://bot:s3cret@db/bot', BLOB_URL: 's3://bucket' });
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : result.problems.join('\n');
    expect(text).toMatch(/^DATABASE_URL must be a sqlite:\/\/, postgres:\/\/, postgresql:\/\/, redis:\/\/ or rediss:\/\/ URL/m);
    expect(text).toMatch(/^BLOB_URL must be/m);
    expect(text).not.toContain('s3cret');
  });
});
