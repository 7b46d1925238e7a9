import {
  ApplicationCommandOptionType,
  ChannelType,
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Config } from '../src/config/config.js';
import type { BotContext } from '../src/discord/botContext.js';
import { modelChoices, SERVER_ONLY, type SlashCommand } from '../src/discord/slashCommand.js';
import { replyPrivately } from '../src/discord/toMessagePayload.js';
import { ASPECT_RATIOS, IMAGE_SIZES, isAspectRatio, isImageSize } from '../src/gemini/imageOptions.js';
import { describeSettings } from '../src/settings/describeSettings.js';
import { changeChannels, changeImage, changeLimits, changeModel, changeRole, type SettingsChange } from '../src/settings/settingsChanges.js';

const CHANNEL_ACTIONS = ['add', 'remove', 'all'] as const;

const data = {
  name: 'settings',
  description: 'Configure the bot for this server (Manage Server only)',
  ...SERVER_ONLY,
  // Hides the command from other members by default; execute() checks again, since admins can change who sees it.
  default_member_permissions: String(PermissionFlagsBits.ManageGuild),
  options: [
    { type: ApplicationCommandOptionType.Subcommand, name: 'show', description: 'Show the current settings' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'model',
      description: 'The Gemini model for new conversations',
      // Choices are filled from GEMINI_MODELS when the commands are deployed (deployData below).
      options: [{ type: ApplicationCommandOptionType.String, name: 'model', description: 'Model id', required: true }],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'image',
      description: 'Default shape and size of new images',
      options: [
        { type: ApplicationCommandOptionType.String, name: 'aspect_ratio', description: 'Default aspect ratio', choices: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })) },
        { type: ApplicationCommandOptionType.String, name: 'size', description: 'Default resolution', choices: IMAGE_SIZES.map((size) => ({ name: size, value: size })) },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'channels',
      description: 'Where the bot answers (every channel by default)',
      options: [
        { type: ApplicationCommandOptionType.String, name: 'action', description: 'Add or remove a channel, or allow all', required: true, choices: CHANNEL_ACTIONS.map((action) => ({ name: action, value: action })) },
        { type: ApplicationCommandOptionType.Channel, name: 'channel', description: 'The text channel to add or remove', channel_types: [ChannelType.GuildText] },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'role',
      description: 'A role members need to use the bot (omit to let everyone)',
      options: [{ type: ApplicationCommandOptionType.Role, name: 'role', description: 'The required role; leave empty to clear' }],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'limits',
      description: 'Daily images per member and the monthly budget (0 = none)',
      options: [
        { type: ApplicationCommandOptionType.Integer, name: 'daily_images', description: 'Images per member per UTC day (0 = no limit)', min_value: 0 },
        { type: ApplicationCommandOptionType.Number, name: 'monthly_budget_usd', description: 'Estimated USD per UTC month for the server (0 = none)', min_value: 0 },
      ],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const settingsCommand: SlashCommand = {
  kind: 'slash',
  data,
  deployData: (config: Config) => withModelChoices(config.allowedModels),
  async execute(interaction, bot) {
    const reply = (text: string) => replyPrivately(interaction, text);
    if (!interaction.inGuild() || !interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
      await reply('Only members with the Manage Server permission can change my settings.');
      return;
    }
    const roleName = (roleId: string) => interaction.guild?.roles.cache.get(roleId)?.name;
    if (interaction.options.getSubcommand() === 'show') {
      const { stored, effective, damaged } = await bot.guildSettings.read(interaction.guildId);
      const description = describeSettings({ stored, effective, allowedModels: bot.guildSettings.allowedModels, roleName });
      const warning = 'The stored settings were damaged and could not be read: these are the defaults, and I make no images until a setting is changed (each change starts from these defaults).';
      await reply(damaged ? `${warning}\n\n${description}` : description);
      return;
    }
    const change = readChange(interaction, bot, roleName);
    if (!change.ok) {
      await reply(change.text);
      return;
    }
    const { effective: now, replacedDamaged } = await bot.guildSettings.update(interaction.guildId, change.change);
    bot.logger.info({ guildId: interaction.guildId, userId: interaction.user.id, subcommand: interaction.options.getSubcommand() }, 'server settings changed');
    // The damaged record's other choices are gone: the admin must hear that everything else is now a default.
    const restarted = replacedDamaged ? '\n\nThe earlier settings could not be read, so every other setting is now the default; check them with /settings show.' : '';
    await reply(change.confirm(now) + restarted);
  },
};

function readChange(interaction: ChatInputCommandInteraction, bot: BotContext, roleName: (roleId: string) => string | undefined): SettingsChange {
  const options = interaction.options;
  switch (options.getSubcommand()) {
    case 'model':
      return changeModel(options.getString('model', true), bot.guildSettings.allowedModels);
    case 'image': {
      const aspectRatio = options.getString('aspect_ratio');
      const size = options.getString('size');
      return changeImage(isAspectRatio(aspectRatio) ? aspectRatio : undefined, isImageSize(size) ? size : undefined);
    }
    case 'channels': {
      // An unknown action changes nothing: guessing "all" would open the bot everywhere.
      const action = CHANNEL_ACTIONS.find((candidate) => candidate === options.getString('action', true));
      if (!action) return { ok: false, text: `Choose add, remove or all as the action.` };
      return changeChannels(action, optionId(interaction, 'channel'));
    }
    case 'role': {
      const roleId = optionId(interaction, 'role');
      return changeRole(roleId, interaction.guildId ?? '', roleId ? roleName(roleId) : undefined);
    }
    case 'limits':
      return changeLimits(options.getInteger('daily_images') ?? undefined, options.getNumber('monthly_budget_usd') ?? undefined);
    default:
      return { ok: false, text: 'I do not know that setting any more.' };
  }
}

/** The raw id of a channel or role option: all a setting needs, and present even when Discord resolves nothing. */
function optionId(interaction: ChatInputCommandInteraction, name: string): string | undefined {
  const value = interaction.options.get(name)?.value;
  return typeof value === 'string' ? value : undefined;
}

/** The definition as deployed: the model option offers exactly GEMINI_MODELS. */
function withModelChoices(allowedModels: readonly string[]): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    ...data,
    options: data.options.map((subcommand) =>
      subcommand.name === 'model' ? { ...subcommand, options: subcommand.options.map((option) => ({ ...option, ...modelChoices(allowedModels) })) } : subcommand,
    ),
  };
}
