import type { APIEmbed } from 'discord.js';
import type { EffectiveSettings } from '../settings/guildSettings.js';
import { describeChannels } from '../settings/describeSettings.js';
import { formatUsd } from '../usage/formatUsd.js';

/** Ten channel links (about 22 characters each) leave room for the field's other lines within Discord's 1,024. */
const CHANNELS_IN_FIELD = 10;

/** Discord's blurple, so the embed reads as the bot's own. */
const COLOR = 0x5865f2;

/**
 * What /help shows: how to use the bot, in the order a member meets it,
 * then this server's current limits. Pure, so the text is tested directly.
 */
export function helpEmbed(settings: EffectiveSettings, roleName: string | undefined): APIEmbed {
  const limits = [
    `Model: ${settings.model}`,
    `Channels: ${describeChannels(settings.channelIds, CHANNELS_IN_FIELD)}`,
    `Role needed: ${settings.requiredRoleId ? (roleName ?? 'a role chosen by the admins') : 'none'}`,
    `Images per member per day: ${settings.dailyImageLimit > 0 ? settings.dailyImageLimit : 'no limit'}`,
    `Monthly budget: ${settings.monthlyBudgetUsd > 0 ? formatUsd(settings.monthlyBudgetUsd) : 'none'}`,
  ];
  return {
    title: 'Making images together with Gemini',
    color: COLOR,
    fields: [
      {
        name: '/imagine',
        value:
          '`/imagine prompt: a watercolor fox aspect_ratio: 16:9 size: 2K` posts the image and opens a thread for it. Add `search: True` for pictures of current things, and up to four reference images.',
      },
      {
        name: 'Edit by replying',
        value: 'In the thread, reply to any of my images ("now make the fox blue"). Anyone can go on; replying to an older image edits that one.',
      },
      {
        name: 'Compose from your images',
        value:
          'Mention me with up to 14 images attached: outside a thread it starts a new image, inside one it adds them to the next edit. Or pick **Apps → Edit with Gemini** on any message with images.',
      },
      {
        name: 'Buttons under each image',
        value:
          '**Reroll** tries again · **Edit** asks for a change · **Upscale 2K/4K** redraws it larger · **Branch** opens a new thread from this image · **Delete** removes it (for whoever asked, or moderators).',
      },
      { name: 'Your usage', value: '`/usage` shows what you made today and this month. Admins change the settings below with `/settings`.' },
      { name: 'On this server', value: limits.join('\n') },
    ],
  };
}
