import type { EffectiveSettings } from '../settings/guildSettings.js';
import type { GoPlan } from './turnPlan.js';
import type { TurnRequest } from './turnRequest.js';

/**
 * The one value that flows through a turn once it is planned: what was
 * asked (who, the words, the options chosen), the plan (which history,
 * model and options, which images go along, which earlier image it edits)
 * and the server's settings it was planned under. Each step (generateTurn,
 * deliverAndStore) reads from it what it needs.
 */
export interface PlannedTurn {
  asked: TurnRequest;
  plan: GoPlan;
  serverSettings: EffectiveSettings;
}
