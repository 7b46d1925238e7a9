import {
  ApplicationCommandOptionType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { z } from 'zod';
import { imageOptionChoices } from '../src/discord/imageOptionChoices.js';
import { imageOptionsHere } from '../src/discord/imageOptionsHere.js';
import { attachmentOption, readOptions } from '../src/discord/readOptions.js';
import { runTurn } from '../src/turn/runTurn.js';
import { grantedAccess } from '../src/turn/turnRequest.js';
import { turnDeliveryTo } from '../src/discord/turnDeliveryTo.js';
import { modelChoices, SERVER_ONLY, type SlashCommand } from '../src/discord/slashCommand.js';
import { replyPrivately } from '../src/discord/toMessagePayload.js';
import { describeRefusal } from '../src/discord/describeRefusal.js';
import { checkPermissions } from '../src/discord/requiredPermissions.js';
import { channelOf } from '../src/discord/channelOf.js';
import type { Config } from '../src/config/config.js';
import { interactionDelivery } from '../src/discord/interactionDelivery.js';
import { findLatestBotImages } from '../src/discord/findLatestBotImages.js';

const REFERENCE_OPTIONS = ['reference1', 'reference2', 'reference3', 'reference4'] as const;
const PROMPT_MAX_LENGTH = 4000;
/** The longest value is "21:9"; room for a typo, not for a paragraph repeated back in a refusal. */
const IMAGE_OPTION_MAX_LENGTH = 16;
const imageOptionText = z.string().trim().min(1).max(IMAGE_OPTION_MAX_LENGTH);

const data = {
  name: 'imagine',
  description: 'Create an image with Gemini; reply in its thread to keep editing it together',
  ...SERVER_ONLY,
  options: [
    { type: ApplicationCommandOptionType.String, name: 'prompt', description: 'What to draw', required: true, max_length: PROMPT_MAX_LENGTH },
    // Suggested as the member types (suggest below): what a model makes differs by model, and a fixed choice list cannot follow the model.
    {
      type: ApplicationCommandOptionType.String,
      name: 'aspect_ratio',
      description: 'Shape of the image; the suggestions are what the model makes (default 1:1)',
      autocomplete: true,
      max_length: IMAGE_OPTION_MAX_LENGTH,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'size',
      description: 'Resolution; the suggestions are what the model makes (default 1K)',
      autocomplete: true,
      max_length: IMAGE_OPTION_MAX_LENGTH,
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

/**
 * The options as checked on arrival. A model typed freely (past Discord's 25
 * choices) that is not on the allow-list is ignored when the turn is built:
 * the server's default applies.
 */
const imagineOptions = z.object({
  prompt: z.string().trim().min(1).max(PROMPT_MAX_LENGTH),
  // Any text: what the model takes depends on the model (a thread's own), so the turn's plan checks it and refuses plainly.
  aspect_ratio: imageOptionText.optional(),
  size: imageOptionText.optional(),
  search: z.boolean().optional(),
  model: z.string().optional(),
  reference1: attachmentOption.optional(),
  reference2: attachmentOption.optional(),
  reference3: attachmentOption.optional(),
  reference4: attachmentOption.optional(),
});

export const imagineCommand: SlashCommand = {
  kind: 'slash',
  data,
  deployData: withModelOption,
  async suggest(interaction, bot) {
    const focused = interaction.options.getFocused(true);
    if (focused.name !== 'aspect_ratio' && focused.name !== 'size') return [];
    // In a conversation's thread, its own model; else the model picked so far; else the server's.
    const here = await imageOptionsHere(bot, { guildId: interaction.guildId ?? '', channelId: interaction.channelId, chosenModel: interaction.options.getString('model') });
    return imageOptionChoices(here.range, focused.name, String(focused.value), here.applying);
  },
  access: 'members',
  async execute(interaction, bot, { response, settings: serverSettings }) {
    const read = readOptions(data.name, interaction.options.data, imagineOptions);
    if (!read.ok) {
      await replyPrivately(interaction, describeRefusal(read.refusal));
      return;
    }
    const options = read.options;
    const channel = await channelOf(interaction);
    const thread = channel?.isThread() ? channel : undefined;
    const inThread = thread !== undefined;
    const problem = checkPermissions(interaction.appPermissions, { inThread, startsConversation: !inThread, viaInteraction: true });
    if (problem) {
      await replyPrivately(interaction, describeRefusal(problem.refusal));
      return;
    }
    // Discord drops an interaction not answered within 3 s and Gemini takes 10 to 60 s: defer at once,
    // while the turn takes its place in the thread's line (no await before runTurn).
    void response.defer('public');
    await runTurn(
      bot,
      {
        threadId: thread?.id,
        channelId: channel && !thread ? channel.id : undefined,
        latestPostedImages: thread && (() => findLatestBotImages(thread, bot.logger)),
        guildId: interaction.guildId ?? '',
        authorId: interaction.user.id,
        prompt: options.prompt,
        attachments: REFERENCE_OPTIONS.flatMap((name) => options[name] ?? []),
        settings: { aspectRatio: options.aspect_ratio, imageSize: options.size },
        search: options.search ?? false,
        model: allowedModelOrUndefined(options.model, bot.config.allowedModels),
        access: grantedAccess(serverSettings),
      },
      turnDeliveryTo(interactionDelivery(response), bot.logger),
    );
  },
};

/** A model option that is not (or no longer) on the allow-list is ignored: the server's default applies. */
function allowedModelOrUndefined(model: string | undefined, allowed: readonly string[]): string | undefined {
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
