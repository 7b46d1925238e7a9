import { formatUsd } from '../usage/formatUsd.js';
import type { EffectiveSettings } from './guildSettings.js';
import type { StoredGuildSettings } from './guildSettingsStore.js';

export interface SettingsView {
  stored: StoredGuildSettings;
  effective: EffectiveSettings;
  allowedModels: readonly string[];
  /** Role names, not mentions: a role mention in a reply would ping or at least look like one. */
  roleName(roleId: string): string | undefined;
}

/** `/settings show`: every value that applies, marking the ones that come from the bot's configuration. */
export function describeSettings({ stored, effective, allowedModels, roleName }: SettingsView): string {
  const byDefault = (chosen: unknown) => (chosen === undefined ? ' (default)' : '');
  const model = effective.disallowedModel
    ? `${effective.model} (default; ${effective.disallowedModel} was chosen but is no longer allowed)`
    : `${effective.model}${byDefault(stored.model)}`;
  const lines = [
    'Settings for this server:',
    `- Model: ${model}. Allowed: ${allowedModels.join(', ')}.`,
    `- Aspect ratio: ${describeImageOption(effective.aspectRatio ?? '1:1', stored.aspectRatio, effective.defaultsNotTaken?.aspectRatio, effective)}; size: ${describeImageOption(effective.imageSize ?? '1K', stored.imageSize, effective.defaultsNotTaken?.imageSize, effective)}.`,
    `- Channels: ${describeChannels(effective.channelIds)}.`,
    `- Required role: ${describeRole(effective.requiredRoleId, roleName)}.`,
    `- Images per member per day: ${effective.dailyImageLimit > 0 ? effective.dailyImageLimit : 'no limit'}${byDefault(stored.dailyImageLimit)}.`,
    `- Monthly budget: ${effective.monthlyBudgetUsd > 0 ? formatUsd(effective.monthlyBudgetUsd) : 'none'}${byDefault(stored.monthlyBudgetUsd)}.`,
    `- Sketches while drawing: ${effective.previews ? 'on' : 'off'}${byDefault(stored.previews)}.`,
  ];
  return lines.join('\n');
}

/**
 * An image option as it applies, saying when the chosen default is set aside
 * because the model does not make it (or, for a model the table does not
 * know, because the bot cannot tell whether it does).
 */
function describeImageOption(applying: string, stored: string | undefined, notTaken: string | undefined, { model, modelKnown }: Pick<EffectiveSettings, 'model' | 'modelKnown'>): string {
  const whose = stored === undefined ? "bot's" : "server's";
  if (notTaken !== undefined && !modelKnown) return `${applying} (${model} is not in my table of models, so the ${whose} default ${notTaken} is set aside)`;
  if (notTaken !== undefined) return `${applying} (${model} does not make the ${whose} default ${notTaken})`;
  return `${applying}${stored === undefined ? ' (default)' : ''}`;
}

/** Discord caps a message at 2,000 characters; a channel link takes about 22. */
const CHANNELS_LISTED = 40;

/** The channels as links, the first `listed` of them named and the rest counted (an embed field holds only 1,024 characters). */
export function describeChannels(channelIds: readonly string[], listed = CHANNELS_LISTED): string {
  if (channelIds.length === 0) return 'every channel';
  const links = channelIds.slice(0, listed).map((id) => `<#${id}>`).join(', ');
  const more = channelIds.length - listed;
  return more > 0 ? `${links} and ${more} more` : links;
}

function describeRole(roleId: string | undefined, roleName: (roleId: string) => string | undefined): string {
  if (!roleId) return 'none (everyone may use the bot)';
  return roleName(roleId) ?? 'a role that no longer exists (clear it with /settings role)';
}
