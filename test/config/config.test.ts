import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { ModelTable } from '../../src/gemini/imageOptions.js';

const required = { DISCORD_TOKEN: 'discord-token', GEMINI_API_KEY: 'gemini-key' };

describe('configuration', () => {
  it('fills every default an operator relies on when only the two secrets are set', () => {
    expect(parseConfig(required)).toEqual({
      ok: true,
      config: {
        discordToken: 'discord-token',
        geminiApiKey: 'gemini-key',
        discordApiUrl: 'https://discord.com/api',
        geminiApiUrl: 'https://generativelanguage.googleapis.com/v1beta',
        geminiApi: 'generate-content',
        interactionRetentionMs: 24 * 60 * 60 * 1000,
        geminiModel: 'gemini-3-pro-image',
        allowedModels: ['gemini-3-pro-image', 'gemini-3.1-flash-image'],
        defaultAspectRatio: undefined,
        defaultImageSize: undefined,
        dailyImageLimit: 0,
        monthlyBudgetUsd: 0,
        previews: true,
        priceOverrides: {},
        imageModels: new ModelTable(),
        attachmentOrigins: ['https://cdn.discordapp.com', 'https://media.discordapp.net'],
        databaseUrl: 'sqlite://data/bot.sqlite',
        blobUrl: 'sqlite://data/bot.sqlite',
        discordGuildId: undefined,
        logLevel: 'info',
        maxAttachmentBytes: 20 * 1024 * 1024,
        geminiTimeoutMs: 180_000,
        attachmentTimeoutMs: 30_000,
        geminiConcurrency: 4,
        maxRequestsPerUser: 2,
        geminiQueueLimit: 100,
        historyBudgetBytes: 20 * 1024 * 1024,
        metricsPort: undefined,
        metricsHost: '127.0.0.1',
        shards: undefined,
        retryBaseDelayMs: 1_000,
        streamAnswers: true,
        geminiStallMs: 60_000,
      },
    });
  });

  it('reads PREVIEWS as on or off (true and false too), refusing anything else', () => {
    for (const [value, previews] of [['off', false], ['OFF', false], ['false', false], ['on', true], [' true ', true]] as const) {
      const parsed = parseConfig({ ...required, PREVIEWS: value });
      expect(parsed.ok && parsed.config.previews).toBe(previews);
    }
    expect(parseConfig({ ...required, PREVIEWS: 'sometimes' })).toEqual({ ok: false, problems: ['PREVIEWS must be on or off'] });
  });

  it('takes GEMINI_API as generate-content or interactions, and the interaction retention in hours', () => {
    const parsed = parseConfig({ ...required, GEMINI_API: 'interactions', GEMINI_INTERACTION_RETENTION_HOURS: '1320' });
    expect(parsed.ok && [parsed.config.geminiApi, parsed.config.interactionRetentionMs]).toEqual(['interactions', 55 * 24 * 60 * 60 * 1000]);
    expect(parseConfig({ ...required, GEMINI_API: 'generateContent', GEMINI_INTERACTION_RETENTION_HOURS: '0' })).toEqual({
      ok: false,
      problems: ['GEMINI_API must be generate-content or interactions', 'GEMINI_INTERACTION_RETENTION_HOURS must be greater than 0'],
    });
  });

  it('reads sizes in MB and timeouts in seconds, as the README gives them', () => {
    const result = parseConfig({ ...required, MAX_ATTACHMENT_MB: '1.5', HISTORY_BUDGET_MB: '3', GEMINI_TIMEOUT_SECONDS: '2.5', ATTACHMENT_TIMEOUT_SECONDS: '7' });
    expect(result).toMatchObject({ ok: true, config: { maxAttachmentBytes: 1_572_864, historyBudgetBytes: 3_145_728, geminiTimeoutMs: 2_500, attachmentTimeoutMs: 7_000 } });
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

  it('refuses a timeout too long for Node\'s timers, which would fire at once', () => {
    const result = parseConfig({ ...required, GEMINI_TIMEOUT_SECONDS: '3000000', ATTACHMENT_TIMEOUT_SECONDS: '1e9' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.filter((problem) => problem.includes('must be under 24 days'))).toHaveLength(2);
    expect(parseConfig({ ...required, GEMINI_TIMEOUT_SECONDS: '2147483' }).ok).toBe(true);
  });

  it('refuses an origin with a path, which would look like a prefix rule', () => {
    const result = parseConfig({ ...required, ATTACHMENT_ORIGINS: 'https://cdn.discordapp.com/attachments' });
    expect(result.ok).toBe(false);
  });

  it('always allows GEMINI_MODEL as a server\'s model, even when GEMINI_MODELS leaves it out', () => {
    const chosen = parseConfig({ ...required, GEMINI_MODEL: 'gemini-3.1-flash-image', GEMINI_MODELS: 'gemini-3-pro-image' });
    expect(chosen.ok && chosen.config.allowedModels).toEqual(['gemini-3.1-flash-image', 'gemini-3-pro-image']);
    const defaults = parseConfig(required);
    expect(defaults.ok && defaults.config).toMatchObject({ allowedModels: ['gemini-3-pro-image', 'gemini-3.1-flash-image'], dailyImageLimit: 0, monthlyBudgetUsd: 0, priceOverrides: {} });
  });

  it('refuses default image options Gemini would reject and negative limits, naming each', () => {
    const parsed = parseConfig({ ...required, DEFAULT_ASPECT_RATIO: '7:3', DEFAULT_IMAGE_SIZE: '3K', DAILY_IMAGE_LIMIT: '-1', MONTHLY_BUDGET_USD: 'lots' });
    expect(parsed.ok).toBe(false);
    const text = parsed.ok ? '' : parsed.problems.join('\n');
    for (const name of ['DEFAULT_ASPECT_RATIO', 'DEFAULT_IMAGE_SIZE', 'DAILY_IMAGE_LIMIT', 'MONTHLY_BUDGET_USD']) expect(text).toContain(name);
  });

  it('takes default image options only GEMINI_MODEL makes, and refuses one it does not make, saying what it makes', () => {
    const flash = parseConfig({ ...required, GEMINI_MODEL: 'gemini-3.1-flash-image', DEFAULT_ASPECT_RATIO: '1:8', DEFAULT_IMAGE_SIZE: '512' });
    expect(flash.ok && flash.config).toMatchObject({ defaultAspectRatio: '1:8', defaultImageSize: '512' });
    const pro = parseConfig({ ...required, DEFAULT_IMAGE_SIZE: '512' });
    expect(pro.ok === false && pro.problems).toEqual(['DEFAULT_IMAGE_SIZE 512 is not made by gemini-3-pro-image (GEMINI_MODEL); it makes 1K, 2K, 4K']);
    const ratio = parseConfig({ ...required, DEFAULT_ASPECT_RATIO: '8:1' });
    expect(ratio.ok === false && ratio.problems.join()).toMatch(/^DEFAULT_ASPECT_RATIO 8:1 is not made by gemini-3-pro-image \(GEMINI_MODEL\); it makes 1:1, 2:3/);
  });

  it('reads a default size or ratio in Gemini\'s spelling whatever the case ("2k" is 2K)', () => {
    const parsed = parseConfig({ ...required, DEFAULT_IMAGE_SIZE: '2k', DEFAULT_ASPECT_RATIO: ' 16:9 ' });
    expect(parsed.ok && parsed.config).toMatchObject({ defaultImageSize: '2K', defaultAspectRatio: '16:9' });
  });

  it('reads GEMINI_MODEL_OPTIONS as JSON declaring what models make, so a new model is used fully; refuses values Gemini does not know, naming them', () => {
    const declared = parseConfig({
      ...required,
      GEMINI_MODEL: 'gemini-nano-banana-2.1',
      GEMINI_MODEL_OPTIONS: '{"gemini-nano-banana-2.1":{"aspectRatios":["1:1","16:9","1:8"],"imageSizes":["1k","2K","4K"]}}',
      DEFAULT_IMAGE_SIZE: '4K',
      DEFAULT_ASPECT_RATIO: '1:8',
    });
    expect(declared.ok && declared.config.imageModels.rangeOf('gemini-nano-banana-2.1')).toEqual({ aspectRatios: ['1:1', '16:9', '1:8'], imageSizes: ['1K', '2K', '4K'], known: true });
    expect(declared.ok && declared.config).toMatchObject({ defaultImageSize: '4K', defaultAspectRatio: '1:8' });
    expect(parseConfig({ ...required, GEMINI_MODEL_OPTIONS: '{nano' })).toEqual({
      ok: false,
      problems: ['GEMINI_MODEL_OPTIONS must be JSON such as {"gemini-nano-banana-2.1":{"aspectRatios":["1:1","16:9"],"imageSizes":["1K","2K"]}}'],
    });
    const wrong = parseConfig({ ...required, GEMINI_MODEL_OPTIONS: '{"gemini-nano-banana-2.1":{"aspectRatios":["7:3"],"imageSizes":["8K"]}}' });
    expect(wrong.ok === false && wrong.problems).toEqual([
      'GEMINI_MODEL_OPTIONS gemini-nano-banana-2.1.aspectRatios.0: "7:3" is not an aspect ratio Gemini takes (1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9, 1:4, 4:1, 1:8, 8:1)',
      'GEMINI_MODEL_OPTIONS gemini-nano-banana-2.1.imageSizes.0: "8K" is not a size Gemini takes (512, 1K, 2K, 4K)',
    ]);
    expect(parseConfig({ ...required, GEMINI_MODEL_OPTIONS: '{"Bad Model":{"aspectRatios":["1:1"],"imageSizes":["1K"]}}' })).toEqual({
      ok: false,
      problems: ['GEMINI_MODEL_OPTIONS Bad Model: must be a model id such as gemini-3-pro-image'],
    });
    expect(parseConfig({ ...required, GEMINI_MODEL_OPTIONS: '{"gemini-nano-banana-2.1":{"ratios":["1:1"]}}' }).ok).toBe(false);
  });

  it('tells a deployment whose model the table lacks, and whose DEFAULT_IMAGE_SIZE it therefore refuses, how to declare the model', () => {
    const parsed = parseConfig({ ...required, GEMINI_MODEL: 'gemini-nano-banana-2.1', DEFAULT_IMAGE_SIZE: '2K' });
    expect(parsed.ok === false && parsed.problems).toEqual([
      'DEFAULT_IMAGE_SIZE 2K may not be made by gemini-nano-banana-2.1 (GEMINI_MODEL): the bot\'s table of models does not know it, so it allows only 1K. ' +
        'If the model makes 2K, declare what it makes in GEMINI_MODEL_OPTIONS, for example GEMINI_MODEL_OPTIONS=' +
        '{"gemini-nano-banana-2.1":{"aspectRatios":["1:1","2:3","3:2","3:4","4:3","4:5","5:4","9:16","16:9","21:9"],"imageSizes":["1K","2K"]}}',
    ]);
    // Following the advice starts the bot.
    const example = (parsed.ok ? '' : parsed.problems[0]!).split('GEMINI_MODEL_OPTIONS=')[1]!;
    expect(parseConfig({ ...required, GEMINI_MODEL: 'gemini-nano-banana-2.1', DEFAULT_IMAGE_SIZE: '2K', GEMINI_MODEL_OPTIONS: example }).ok).toBe(true);
  });

  it('reads PRICE_TABLE as JSON held to the price schema, refusing text that is not JSON or has a typo', () => {
    const notJson = parseConfig({ ...required, PRICE_TABLE: '{gemini' });
    expect(notJson.ok === false && notJson.problems.join()).toMatch(/PRICE_TABLE must be JSON/);
    const typo = parseConfig({ ...required, PRICE_TABLE: '{"gemini-3-pro-image":{"1k":0.1}}' });
    expect(typo.ok === false && typo.problems.join()).toMatch(/PRICE_TABLE gemini-3-pro-image: .*1k/);
    expect(parseConfig({ ...required, PRICE_TABLE: '{"gemini-3-pro-image":{"1K":-1}}' }).ok).toBe(false);
    const good = parseConfig({ ...required, PRICE_TABLE: '{"gemini-3-pro-image":{"1K":0.2}}' });
    expect(good.ok && good.config.priceOverrides).toEqual({ 'gemini-3-pro-image': { '1K': 0.2 } });
  });

  it('serves no metrics unless METRICS_PORT is set, and then on loopback unless METRICS_HOST says otherwise', () => {
    const unset = parseConfig(required);
    expect(unset.ok && unset.config.metricsPort).toBe(undefined);
    const set = parseConfig({ ...required, METRICS_PORT: '9464' });
    expect(set.ok && [set.config.metricsPort, set.config.metricsHost]).toEqual([9464, '127.0.0.1']);
    const anywhere = parseConfig({ ...required, METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' });
    expect(anywhere.ok && [anywhere.config.metricsPort, anywhere.config.metricsHost]).toEqual([0, '0.0.0.0']);
    const wrong = parseConfig({ ...required, METRICS_PORT: '70000' });
    expect(!wrong.ok && wrong.problems.join('\n')).toContain('METRICS_PORT must be a port number');
  });
  it('runs one process unless SHARDS is set, then takes auto or a whole number of shards', () => {
    const shared = { ...required, DATABASE_URL: 'redis://127.0.0.1:6379' };
    expect(parseConfig(required)).toMatchObject({ ok: true, config: { shards: undefined } });
    expect(parseConfig({ ...shared, SHARDS: 'auto' })).toMatchObject({ ok: true, config: { shards: 'auto' } });
    expect(parseConfig({ ...shared, SHARDS: '4' })).toMatchObject({ ok: true, config: { shards: 4 } });
    for (const bad of ['0', '2.5', 'many']) {
      expect(parseConfig({ ...shared, SHARDS: bad })).toEqual({ ok: false, problems: ['SHARDS must be auto or a whole number of shards (1 or more)'] });
    }
  });

  it('refuses SHARDS on a SQLite DATABASE_URL, whose locks cannot reach other processes, but lets image blobs stay in SQLite', () => {
    const result = parseConfig({ ...required, SHARDS: '2' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join('\n')).toMatch(/^SHARDS needs a store shared by every shard process: set DATABASE_URL to postgres/);
    const blobsInSqlite = parseConfig({ ...required, SHARDS: '2', DATABASE_URL: 'postgres://bot@db:5432/bot', BLOB_URL: 'sqlite://data/blobs.sqlite' });
    expect(blobsInSqlite).toMatchObject({ ok: true, config: { shards: 2, blobUrl: 'sqlite://data/blobs.sqlite' } });
  });
});
