import {
  ApplicationCommandOptionType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { ASPECT_RATIOS, IMAGE_SIZES, isAspectRatio, isImageSize } from '../src/gemini/imageOptions.js';
import { runConversationTurn } from '../src/discord/runConversationTurn.js';
import { modelChoices, SERVER_ONLY, type SlashCommand } from '../src/discord/slashCommand.js';
import { replyPrivately } from '../src/discord/toMessagePayload.js';
import { checkPermissions } from '../src/discord/requiredPermissions.js';
import { settingsOrRefusal } from '../src/discord/memberAccess.js';
import { channelOf } from '../src/discord/channelOf.js';
import type { Config } from '../src/config/config.js';
import { interactionDelivery } from '../src/discord/interactionDelivery.js';

const REFERENCE_OPTIONS = ['reference1', 'reference2', 'reference3', 'reference4'] as const;

const data = {
  name: 'imagine',
  description: 'Create an image with Gemini; reply in its thread to keep editing it together',
  ...SERVER_ONLY,
  options: [
    { type: ApplicationCommandOptionType.String, name: 'prompt', description: 'What to draw', required: true, max_length: 4000 },
    {
      type: ApplicationCommandOptionType.String,
      name: 'aspect_ratio',
      description: 'Shape of the image (default 1:1)',
      choices: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'size',
      description: 'Resolution (default 1K)',
      choices: IMAGE_SIZES.map((size) => ({ name: size, value: size })),
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: 'search',
      description: 'Ground the image in Google Search results (for current events, weather, scores…)',
    },
    ...REFERENCE_OPTIONS.map((name, index) => ({
      type: ApplicationCommandOptionType.Attachment as const,
      name,
      // Discord offers no file-type filter for attachment options; the bot checks the bytes on arrival.
      description: `Reference image ${index + 1} to compose from (PNG, JPEG, WebP or HEIC)`,
    })),
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

export const imagineCommand: SlashCommand = {
  kind: 'slash',
  data,
  deployData: withModelOption,
  async execute(interaction, bot) {
    const serverSettings = await settingsOrRefusal(bot, interaction);
    if (!serverSettings) return;
    const inThread = (await channelOf(interaction))?.isThread() ?? false;
    const problem = checkPermissions(interaction.appPermissions, { inThread, startsConversation: !inThread, viaInteraction: true });
    if (problem) {
      await replyPrivately(interaction, problem.text);
      return;
    }
    const aspectRatio = interaction.options.getString('aspect_ratio');
    const size = interaction.options.getString('size');
    // Discord drops an interaction not answered within 3 s and Gemini takes 10 to 60 s: defer at once,
    // while the turn takes its place in the thread's line (no await before runConversationTurn).
    const acknowledged = interaction.deferReply();
    await runConversationTurn(
      bot,
      {
        threadId: inThread ? interaction.channelId : undefined,
        guildId: interaction.guildId ?? '',
        authorId: interaction.user.id,
        prompt: interaction.options.getString('prompt', true),
        attachments: REFERENCE_OPTIONS.flatMap((name) => interaction.options.getAttachment(name) ?? []).map((attachment) => ({
          url: attachment.url,
          name: attachment.name,
          size: attachment.size,
        })),
        settings: {
          aspectRatio: isAspectRatio(aspectRatio) ? aspectRatio : undefined,
          imageSize: isImageSize(size) ? size : undefined,
        },
        search: interaction.options.getBoolean('search') ?? false,
        model: allowedModelOrUndefined(interaction.options.getString('model'), bot.guildSettings.allowedModels),
        serverSettings,
      },
      interactionDelivery(interaction, acknowledged),
    );
  },
};

/** A model option that is not (or no longer) on the allow-list is ignored: the server's default applies. */
function allowedModelOrUndefined(model: string | null, allowed: readonly string[]): string | undefined {
  return model && allowed.includes(model) ? model : undefined;
}

/** The model option exists only when the operator allows more than one model (GEMINI_MODELS). */
function withModelOption(config: Pick<Config, 'allowedModels'>): RESTPostAPIChatInputApplicationCommandsJSONBody {
  if (config.allowedModels.length < 2) return data;
  const model = {
    type: ApplicationCommandOptionType.String,
    name: 'model',
    description: 'Gemini model for this new image (a thread keeps its own)',
    ...modelChoices(config.allowedModels),
  } as const;
  return { ...data, options: [...data.options.slice(0, 3), model, ...data.options.slice(3)] };
}
