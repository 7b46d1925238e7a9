import type { AspectRatio, ImageSize } from '../gemini/imageOptions.js';
import { formatUsd } from '../usage/formatUsd.js';
import { describeChannels } from './describeSettings.js';
import type { EffectiveSettings } from './guildSettings.js';
import type { StoredGuildSettings } from './guildSettingsStore.js';

/**
 * What each /settings subcommand changes, and the sentence confirming it.
 * Pure: the command reads the options, GuildSettings applies the change.
 */
export type SettingsChange =
  | { ok: true; change: (current: StoredGuildSettings) => StoredGuildSettings; confirm: (now: EffectiveSettings) => string }
  /** Nothing to change: the sentence says why. */
  | { ok: false; text: string };

export function changeModel(model: string, allowedModels: readonly string[]): SettingsChange {
  if (!allowedModels.includes(model)) return { ok: false, text: `${model} is not allowed on this bot. Choose one of: ${allowedModels.join(', ')}.` };
  return {
    ok: true,
    change: (current) => ({ ...current, model }),
    confirm: (now) => [`New conversations on this server now use ${now.model}.`, ...describeDefaultsNotTaken(now)].join(' '),
  };
}

/**
 * A default image option the new model does not make is set aside, not
 * lost (back in force with a model that makes it): the admin is told what
 * new images get instead.
 */
function describeDefaultsNotTaken(now: EffectiveSettings): string[] {
  const notTaken = now.defaultsNotTaken;
  if (!notTaken) return [];
  const options = [
    ...(notTaken.aspectRatio ? [`the aspect ratio ${notTaken.aspectRatio}`] : []),
    ...(notTaken.imageSize ? [`the size ${notTaken.imageSize}`] : []),
  ].join(' or ');
  const instead = `new images are ${now.aspectRatio ?? '1:1'} at ${now.imageSize ?? '1K'} unless a member picks otherwise; /settings image sets other defaults`;
  if (!now.modelKnown) {
    // The table does not know the model: it may well make them, so say that we cannot tell, and who can.
    return [
      `It is not in my table of models, so I do not know whether it makes ${options} chosen as the default: ${instead}. Whoever runs this bot can declare what it makes in GEMINI_MODEL_OPTIONS.`,
    ];
  }
  return [`It does not make ${options} chosen as the default, so ${instead}.`];
}

export function changeImage(aspectRatio: AspectRatio | undefined, imageSize: ImageSize | undefined): SettingsChange {
  if (!aspectRatio && !imageSize) return { ok: false, text: 'Choose an aspect ratio, a size, or both.' };
  return {
    ok: true,
    change: (current) => ({ ...current, ...(aspectRatio ? { aspectRatio } : {}), ...(imageSize ? { imageSize } : {}) }),
    confirm: (now) => `New images on this server are now ${now.aspectRatio ?? '1:1'} at ${now.imageSize ?? '1K'} unless a member picks otherwise.`,
  };
}

export type ChannelAction = 'add' | 'remove' | 'all';

export function changeChannels(action: ChannelAction, channelId: string | undefined): SettingsChange {
  if (action === 'all') {
    return { ok: true, change: ({ channelIds: _channelIds, ...rest }) => rest, confirm: () => 'I now work in every channel of this server.' };
  }
  if (!channelId) return { ok: false, text: `Pick the channel to ${action}.` };
  if (action === 'add') {
    return {
      ok: true,
      change: (current) => ({ ...current, channelIds: [...new Set([...(current.channelIds ?? []), channelId])] }),
      confirm: (now) => `I now work only in ${describeChannels(now.channelIds)} (and their threads).`,
    };
  }
  return {
    ok: true,
    change: (current) => {
      const { channelIds: _channelIds, ...rest } = current;
      const remaining = (current.channelIds ?? []).filter((id) => id !== channelId);
      return remaining.length > 0 ? { ...rest, channelIds: remaining } : rest;
    },
    // An empty list means every channel, so removing the last one opens the bot up: say so plainly.
    confirm: (now) =>
      now.channelIds.length > 0
        ? `I no longer work in <#${channelId}>; I work only in ${describeChannels(now.channelIds)}.`
        : 'No channel is on the list any more, so I work in every channel of this server.',
  };
}

/** `roleName` is the role's name for the confirmation (a role mention would ping); `guildId` is @everyone's id. */
export function changeRole(roleId: string | undefined, guildId: string, roleName: string | undefined): SettingsChange {
  if (!roleId || roleId === guildId) {
    return { ok: true, change: ({ requiredRoleId: _role, ...rest }) => rest, confirm: () => 'Every member of this server can use me now.' };
  }
  return {
    ok: true,
    change: (current) => ({ ...current, requiredRoleId: roleId }),
    confirm: () => `Only members with the ${roleName ?? 'chosen'} role can use me now.`,
  };
}

export function changeLimits(dailyImages: number | undefined, monthlyBudgetUsd: number | undefined): SettingsChange {
  if (dailyImages === undefined && monthlyBudgetUsd === undefined) return { ok: false, text: 'Give a daily image limit, a monthly budget, or both (0 means none).' };
  return {
    ok: true,
    change: (current) => ({
      ...current,
      ...(dailyImages !== undefined ? { dailyImageLimit: dailyImages } : {}),
      ...(monthlyBudgetUsd !== undefined ? { monthlyBudgetUsd } : {}),
    }),
    confirm: (now) => `${describeDailyLimit(now.dailyImageLimit)} ${describeBudget(now.monthlyBudgetUsd)}`,
  };
}

export function changePreviews(on: boolean): SettingsChange {
  return {
    ok: true,
    change: (current) => ({ ...current, previews: on }),
    confirm: () =>
      on ? "While Gemini draws, members now see its sketches in their pending reply." : 'Members now see only the finished image, without sketches while Gemini draws.',
  };
}

function describeDailyLimit(limit: number): string {
  return limit > 0 ? `Each member may make up to ${limit} image(s) per day (UTC).` : 'Members have no daily image limit.';
}

function describeBudget(budgetUsd: number): string {
  return budgetUsd > 0 ? `The server's estimated spend is capped at ${formatUsd(budgetUsd)} per month (UTC).` : 'The server has no monthly budget.';
}

/** A channel or role option naming something that is not this server's (a stale or modified client): nothing changes. */
export function notHere(what: 'channel' | 'role'): SettingsChange {
  return { ok: false, text: what === 'channel' ? 'Pick a text channel of this server.' : 'Pick a role of this server.' };
}
