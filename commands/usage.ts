import {
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { SERVER_ONLY, type SlashCommand } from '../src/discord/slashCommand.js';
import { replyPrivately } from '../src/discord/toMessagePayload.js';
import { describeMemberUsage, describeServerUsage } from '../src/usage/describeUsage.js';

const data = {
  name: 'usage',
  description: 'How many images you (and, for admins, this server) made today and this month',
  ...SERVER_ONLY,
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const usageCommand: SlashCommand = {
  kind: 'slash',
  data,
  access: 'anyone',
  async execute(interaction, bot) {
    if (!interaction.inGuild()) return;
    const now = bot.usage.now();
    const settings = await bot.guildSettings.effectiveSettings(interaction.guildId);
    const lines = [describeMemberUsage(await bot.usage.userSummary(interaction.guildId, interaction.user.id), settings, now)];
    // Spend is the admins' business: members with Manage Server see the server's figures too.
    if (interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
      lines.push(describeServerUsage(await bot.usage.guildSummary(interaction.guildId), settings, now));
    }
    await replyPrivately(interaction, lines.join('\n'));
  },
};
