import type { Config } from '../config/config.js';
import type { GuildSettings } from '../settings/guildSettings.js';
import type { TurnDependencies } from '../turn/turnDependencies.js';

/**
 * What the Discord handlers may use: what a turn needs, plus the server
 * settings, the whole configuration and the event claim. Built once in
 * startBot and passed down, never imported as a global.
 */
export interface BotContext extends TurnDependencies {
  config: Config;
  /** Per-server choices made with /settings, merged with the environment's defaults. */
  guildSettings: GuildSettings;
  /**
   * True for the one process that should handle this Discord event (a
   * message id). Two processes connected as the same shard, as in a rolling
   * deploy, both receive every message; only the first to claim answers.
   */
  claimEvent(eventId: string): Promise<boolean>;
}
