import {
  MessageFlags,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { helpEmbed } from '../src/help/helpEmbed.js';
import { NO_PINGS } from '../src/discord/noPings.js';
import { SERVER_ONLY, type SlashCommand } from '../src/discord/slashCommand.js';

const data = {
  name: 'help',
  description: "How to make and edit images with this bot, and this server's limits",
  ...SERVER_ONLY,
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const helpCommand: SlashCommand = {
  kind: 'slash',
  data,
  access: 'anyone',
  async execute(interaction, bot) {
    if (!interaction.inGuild()) return;
    const settings = await bot.guildSettings.effectiveSettings(interaction.guildId);
    const roleName = settings.requiredRoleId ? interaction.guild?.roles.cache.get(settings.requiredRoleId)?.name : undefined;
    await interaction.reply({ embeds: [helpEmbed(settings, roleName)], allowedMentions: NO_PINGS, flags: MessageFlags.Ephemeral });
  },
};
