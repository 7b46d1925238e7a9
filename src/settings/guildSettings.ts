import type Keyv from 'keyv';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { KeyedSerialQueue } from '../lines/keyedSerialQueue.js';
import { defaultsFor, type AspectRatio, type ChosenDefaults, type ImageSettings, type ImageSize } from '../gemini/imageOptions.js';
import { GuildSettingsStore, type StoredGuildSettings } from './guildSettingsStore.js';

/** What applies in a server right now: its own choices, else the environment's defaults. */
export interface EffectiveSettings {
  model: string;
  /** Whether the table of models knows `model` (else its range is a cautious guess, and what it sets aside is said so). */
  modelKnown: boolean;
  /** The default aspect ratio for `model` (defaultsFor): a turn of another model starts from `chosenDefaults`. */
  aspectRatio: AspectRatio | undefined;
  imageSize: ImageSize | undefined;
  /** The default image options as chosen, before any model sets one aside: what a turn of another model starts from. */
  chosenDefaults: ChosenDefaults;
  /** Where the bot answers (threads under these channels included); empty means everywhere. */
  channelIds: string[];
  requiredRoleId: string | undefined;
  /** Images per member per UTC day; 0 means no limit. */
  dailyImageLimit: number;
  /** Estimated USD per UTC month for the server; 0 means no budget. */
  monthlyBudgetUsd: number;
  /** Whether a member's pending reply shows Gemini's sketches while it draws. */
  previews: boolean;
  /** A model the server chose that is no longer allowed (so the default applies); shown by /settings show. */
  disallowedModel?: string | undefined;
  /**
   * Default image options (the server's, else the environment's) that `model`
   * does not make, so Gemini's own default applies instead: kept, and back in
   * force if the server returns to a model that makes them. Said by /settings.
   */
  defaultsNotTaken?: ImageSettings | undefined;
}

type LoadedSettings = { stored: StoredGuildSettings; damaged: boolean };

export type SettingsDefaults = Pick<
  Config,
  'geminiModel' | 'allowedModels' | 'imageModels' | 'defaultAspectRatio' | 'defaultImageSize' | 'dailyImageLimit' | 'monthlyBudgetUsd' | 'previews'
>;

/**
 * Per-server settings: read for every request (no cache, so a change applies
 * at once; requests arriving together share one read), changed by /settings.
 */
export class GuildSettings {
  private readonly store: GuildSettingsStore;
  /** Two admins changing settings at once must not lose one change: read-modify-write runs one at a time per server. */
  private readonly updates = new KeyedSerialQueue();
  /** Each server's read under way, which requests arriving meanwhile share (see load). */
  private readonly readsUnderWay = new Map<string, Promise<LoadedSettings>>();

  constructor(
    keyv: Keyv,
    private readonly defaults: SettingsDefaults,
    private readonly logger: Logger,
  ) {
    this.store = new GuildSettingsStore(keyv);
  }

  /**
   * The server's own choices. An unreadable record reads as none (logged)
   * and is reported as `damaged`: requests then stop at checkAccess until an
   * admin sets the settings again, rather than run with its channels, role
   * and budget silently gone.
   */
  private load(guildId: string): Promise<LoadedSettings> {
    // Requests in one server arriving while its read is under way share it: a burst of 50 /imagine then waits for
    // one round trip before its acknowledgements, not for 50 queued on the store. Nothing is kept once the read is
    // done (a request after it reads again), and a save stops anyone joining a read begun before it.
    const underWay = this.readsUnderWay.get(guildId);
    if (underWay) return underWay;
    const read = this.loadNow(guildId).finally(() => {
      if (this.readsUnderWay.get(guildId) === read) this.readsUnderWay.delete(guildId);
    });
    this.readsUnderWay.set(guildId, read);
    return read;
  }

  private async loadNow(guildId: string): Promise<LoadedSettings> {
    const loaded = await this.store.load(guildId);
    if (loaded.kind === 'unreadable') {
      this.logger.error({ guildId, problem: loaded.problem }, 'stored server settings are unreadable');
      return { stored: {}, damaged: true };
    }
    return { stored: loaded.kind === 'found' ? loaded.settings : {}, damaged: false };
  }

  /** What applies where a server chose nothing: the environment's defaults (also the fallback when its settings cannot be read in time). */
  environmentSettings(): EffectiveSettings {
    return this.merge({});
  }

  /** What applies, for display (/help, /usage); a damaged record shows the defaults. */
  async effectiveSettings(guildId: string): Promise<EffectiveSettings> {
    return (await this.read(guildId)).effective;
  }

  /** Both views at once, for /settings show (which marks the values that are defaults), and whether the record is damaged. */
  async read(guildId: string): Promise<{ stored: StoredGuildSettings; effective: EffectiveSettings; damaged: boolean }> {
    const { stored, damaged } = await this.load(guildId);
    return { stored, effective: this.merge(stored), damaged };
  }

  /**
   * Applies `change` to the stored choices and saves the result; returns
   * what now applies, and whether it replaced an unreadable record (the admin
   * is setting values anew; load() logs it).
   */
  async update(guildId: string, change: (current: StoredGuildSettings) => StoredGuildSettings): Promise<{ effective: EffectiveSettings; replacedDamaged: boolean }> {
    return this.updates.run(guildId, async () => {
      // Its own read: one begun before the last change was saved could miss that change.
      const current = await this.loadNow(guildId);
      const next = change(current.stored);
      await this.store.save(guildId, next);
      this.readsUnderWay.delete(guildId);
      return { effective: this.merge(next), replacedDamaged: current.damaged };
    });
  }

  private merge(stored: StoredGuildSettings): EffectiveSettings {
    const defaults = this.defaults;
    // GEMINI_MODELS may shrink after a server chose a model: fall back rather than call a model the operator withdrew.
    const chosenModel = stored.model !== undefined && defaults.allowedModels.includes(stored.model) ? stored.model : undefined;
    const model = chosenModel ?? defaults.geminiModel;
    // The model decides what it makes (gemini/imageOptions.ts): the server's default, else the environment's, if it makes it.
    const chosenDefaults: ChosenDefaults = {
      server: definedOnly({ aspectRatio: stored.aspectRatio, imageSize: stored.imageSize }),
      environment: definedOnly({ aspectRatio: defaults.defaultAspectRatio, imageSize: defaults.defaultImageSize }),
    };
    const range = this.defaults.imageModels.rangeOf(model);
    const applying = defaultsFor(range, chosenDefaults);
    const wanted: ImageSettings = { aspectRatio: stored.aspectRatio ?? defaults.defaultAspectRatio, imageSize: stored.imageSize ?? defaults.defaultImageSize };
    const notTaken: ImageSettings = {
      ...(wanted.aspectRatio !== undefined && wanted.aspectRatio !== applying.aspectRatio ? { aspectRatio: wanted.aspectRatio } : {}),
      ...(wanted.imageSize !== undefined && wanted.imageSize !== applying.imageSize ? { imageSize: wanted.imageSize } : {}),
    };
    return {
      model,
      modelKnown: range.known,
      aspectRatio: applying.aspectRatio,
      imageSize: applying.imageSize,
      chosenDefaults,
      channelIds: stored.channelIds ?? [],
      requiredRoleId: stored.requiredRoleId,
      dailyImageLimit: stored.dailyImageLimit ?? defaults.dailyImageLimit,
      monthlyBudgetUsd: stored.monthlyBudgetUsd ?? defaults.monthlyBudgetUsd,
      previews: stored.previews ?? defaults.previews,
      disallowedModel: chosenModel === undefined ? stored.model : undefined,
      defaultsNotTaken: Object.keys(notTaken).length > 0 ? notTaken : undefined,
    };
  }
}

function definedOnly(settings: ImageSettings): ImageSettings {
  return {
    ...(settings.aspectRatio !== undefined ? { aspectRatio: settings.aspectRatio } : {}),
    ...(settings.imageSize !== undefined ? { imageSize: settings.imageSize } : {}),
  };
}
