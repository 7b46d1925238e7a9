import type { GuildSettings } from '../settings/guildSettings.js';
import type { TurnDependencies } from '../turn/turnDependencies.js';

/**
 * What the Discord handlers may use: what a turn needs, plus the server
 * settings, the key that signs form claims and the event claim. Built once
 * in startBot and passed down, never imported as a global.
 */
export interface BotContext extends TurnDependencies {
  /** Signs and checks the claims a form carries (composeClaimSignature); derived from the bot token, never the token itself. */
  formSigningKey: Buffer;
  /** Per-server choices made with /settings, merged with the environment's defaults. */
  guildSettings: GuildSettings;
  /**
   * True for the one process that should handle this Discord event (a
   * message id). Two processes connected as the same shard, as in a rolling
   * deploy, both receive every message; only the first to claim answers.
   */
  claimEvent(eventId: string): Promise<boolean>;
}
