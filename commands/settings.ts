import {
  ApplicationCommandOptionType,
  ChannelType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { z } from 'zod';
import type { Config } from '../src/config/config.js';
import type { BotContext } from '../src/discord/botContext.js';
import { modelChoices, SERVER_ONLY, type SlashCommand } from '../src/discord/slashCommand.js';
import { replyPrivately } from '../src/discord/toMessagePayload.js';
import { checkImageOptions } from '../src/gemini/imageOptions.js';
import { imageOptionChoices } from '../src/discord/imageOptionChoices.js';
import { imageOptionsHere } from '../src/discord/imageOptionsHere.js';
import { describeRefusal } from '../src/discord/describeRefusal.js';
import { readOptions } from '../src/discord/readOptions.js';
import { snowflake } from '../src/discord/snowflake.js';
import { describeSettings } from '../src/settings/describeSettings.js';
import { changeChannels, changeImage, changeLimits, changeModel, changePreviews, changeRole, notHere, type SettingsChange } from '../src/settings/settingsChanges.js';

const CHANNEL_ACTIONS = ['add', 'remove', 'all'] as const;
const ON_OFF = ['on', 'off'] as const;

/** Model ids are short ("gemini-3.1-flash-image"); a longer one could not fit Discord's 2,000 characters once repeated back. */
const MODEL_ID_MAX_LENGTH = 100;
/** The longest image option is "21:9": room for a typo, not for a paragraph repeated back in a refusal. */
const IMAGE_OPTION_MAX_LENGTH = 16;
const imageOptionText = z.string().trim().min(1).max(IMAGE_OPTION_MAX_LENGTH);

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
      options: [{ type: ApplicationCommandOptionType.String, name: 'model', description: 'Model id', required: true, max_length: MODEL_ID_MAX_LENGTH }],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'image',
      description: 'Default shape and size of new images',
      options: [
        // Suggested as the admin types: what the server's model makes (suggest below).
        { type: ApplicationCommandOptionType.String, name: 'aspect_ratio', description: "Default aspect ratio (the suggestions are what the server's model makes)", autocomplete: true, max_length: IMAGE_OPTION_MAX_LENGTH },
        { type: ApplicationCommandOptionType.String, name: 'size', description: "Default resolution (the suggestions are what the server's model makes)", autocomplete: true, max_length: IMAGE_OPTION_MAX_LENGTH },
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
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'previews',
      description: "Show Gemini's sketches while it draws",
      options: [{ type: ApplicationCommandOptionType.String, name: 'state', description: 'on or off', required: true, choices: ON_OFF.map((state) => ({ name: state, value: state })) }],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** The options as checked on arrival, one shape per subcommand. */
const settingsOptions = z.discriminatedUnion('subcommand', [
  z.object({ subcommand: z.literal('show') }),
  z.object({ subcommand: z.literal('model'), model: z.string().min(1).max(MODEL_ID_MAX_LENGTH) }),
  // Any text: what is taken depends on the server's model, checked in readChange.
  z.object({ subcommand: z.literal('image'), aspect_ratio: imageOptionText.optional(), size: imageOptionText.optional() }),
  // An unknown action changes nothing: guessing "all" would open the bot everywhere.
  z.object({ subcommand: z.literal('channels'), action: z.enum(CHANNEL_ACTIONS), channel: snowflake.optional() }),
  z.object({ subcommand: z.literal('role'), role: snowflake.optional() }),
  z.object({ subcommand: z.literal('limits'), daily_images: z.number().int().min(0).optional(), monthly_budget_usd: z.number().min(0).optional() }),
  z.object({ subcommand: z.literal('previews'), state: z.enum(ON_OFF) }),
]);
type SettingsOptions = z.infer<typeof settingsOptions>;

export const settingsCommand: SlashCommand = {
  kind: 'slash',
  data,
  deployData: (config: Config) => withModelChoices(config.allowedModels),
  async suggest(interaction, bot) {
    const focused = interaction.options.getFocused(true);
    if (interaction.options.getSubcommand(false) !== 'image' || (focused.name !== 'aspect_ratio' && focused.name !== 'size')) return [];
    // Defaults are the server's: its model, whatever channel the admin types in.
    const here = await imageOptionsHere(bot, { guildId: interaction.guildId ?? '', channelId: null, chosenModel: null });
    return imageOptionChoices(here.range, focused.name, String(focused.value), here.applying);
  },
  access: 'anyone',
  async execute(interaction, bot) {
    const reply = (text: string) => replyPrivately(interaction, text);
    if (!interaction.inGuild() || !interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
      await reply(describeRefusal({ kind: 'admins-only' }));
      return;
    }
    const read = readOptions(data.name, interaction.options.data, settingsOptions);
    if (!read.ok) {
      await reply(describeRefusal(read.refusal));
      return;
    }
    const options = read.options;
    const roleName = (roleId: string) => interaction.guild?.roles.cache.get(roleId)?.name;
    if (options.subcommand === 'show') {
      const { stored, effective, damaged } = await bot.guildSettings.read(interaction.guildId);
      const description = describeSettings({ stored, effective, allowedModels: bot.config.allowedModels, roleName });
      const warning = 'The stored settings were damaged and could not be read: these are the defaults, and I make no images until a setting is changed (each change starts from these defaults).';
      await reply(damaged ? `${warning}\n\n${description}` : description);
      return;
    }
    const change = await readChange(options, interaction.guildId, bot, roleName, (channelId) => {
      // The server's own channels are in the cache (GUILD_CREATE lists them); a channel of another server never is.
      const channel = interaction.guild?.channels.cache.get(channelId);
      return channel?.type === ChannelType.GuildText;
    });
    if (!change.ok) {
      await reply(change.text);
      return;
    }
    const { effective: now, replacedDamaged } = await bot.guildSettings.update(interaction.guildId, change.change);
    bot.logger.info({ guildId: interaction.guildId, userId: interaction.user.id, subcommand: options.subcommand }, 'server settings changed');
    // The damaged record's other choices are gone: the admin must hear that everything else is now a default.
    const restarted = replacedDamaged ? '\n\nThe earlier settings could not be read, so every other setting is now the default; check them with /settings show.' : '';
    await reply(change.confirm(now) + restarted);
  },
};

async function readChange(
  options: Exclude<SettingsOptions, { subcommand: 'show' }>,
  guildId: string,
  bot: BotContext,
  roleName: (roleId: string) => string | undefined,
  isTextChannelHere: (channelId: string) => boolean,
): Promise<SettingsChange> {
  switch (options.subcommand) {
    case 'model':
      return changeModel(options.model, bot.config.allowedModels);
    case 'image': {
      // A default the server's model does not make would be left out of every new image: refused, naming what it makes.
      // (A model changed meanwhile is no harm: the settings set aside a default their model does not make.)
      const { model } = await bot.guildSettings.effectiveSettings(guildId);
      const checked = checkImageOptions(bot.config.imageModels.rangeOf(model), { aspectRatio: options.aspect_ratio, imageSize: options.size });
      if (!checked.ok) return { ok: false, text: describeRefusal({ kind: 'image-option-unsupported', model, whose: 'server', ...checked.problem }) };
      return changeImage(checked.settings.aspectRatio, checked.settings.imageSize);
    }
    case 'channels':
      // An id in an option is the client's claim: only a text channel of this server is added (removing a stale id stays possible).
      if (options.action === 'add' && options.channel && !isTextChannelHere(options.channel)) return notHere('channel');
      return changeChannels(options.action, options.channel);
    case 'role':
      if (options.role && options.role !== guildId && !roleName(options.role)) return notHere('role');
      return changeRole(options.role, guildId, options.role ? roleName(options.role) : undefined);
    case 'limits':
      return changeLimits(options.daily_images, options.monthly_budget_usd);
    case 'previews':
      return changePreviews(options.state === 'on');
  }
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
