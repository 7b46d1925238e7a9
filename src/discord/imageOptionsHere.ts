import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { ConversationStore } from '../conversation/conversationStore.js';
import type { ChosenDefaults } from '../gemini/imageOptions.js';
import { modelAndOptions, type ModelAndOptions } from '../turn/modelAndOptions.js';
import type { GuildSettings } from '../settings/guildSettings.js';

/** The models a server may use and what each makes: the environment's, the same for every server. */
type Models = Pick<Config, 'allowedModels' | 'imageModels'>;

export interface Place {
  guildId: string;
  /** The channel typed in: a conversation's thread keeps its own model. Null for the server's default alone. */
  channelId: string | null;
  /** The model option as filled in so far (only an allowed one counts). */
  chosenModel: string | null;
}

/**
 * Discord drops suggestions not answered within 3 s of the keystroke: past
 * this, the store reads are abandoned for the environment's defaults.
 */
const LOOKUP_DEADLINE_MS = 1_500;

/**
 * Which model a /imagine (or /settings image) typed here would use, for the
 * suggestions: a conversation's thread keeps its model and options (as
 * planTurn does), else the model option when it is an allowed one, else the
 * server's default model (its /settings), else GEMINI_MODEL. Never throws:
 * a store that fails or is slow gives the environment's defaults.
 */
export async function imageOptionsHere(
  deps: { conversations: ConversationStore; guildSettings: GuildSettings; config: Models; logger: Logger },
  place: Place,
): Promise<ModelAndOptions> {
  const fallback = fromSettings(deps.guildSettings.environmentSettings(), place.chosenModel, deps.config);
  const lookup = lookUp(deps, place).catch((error: unknown) => {
    deps.logger.warn({ err: error, guildId: place.guildId }, 'could not read what applies here for suggestions; offering the defaults');
    return fallback;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ModelAndOptions>((resolve) => {
    timer = setTimeout(() => resolve(fallback), LOOKUP_DEADLINE_MS);
  });
  try {
    return await Promise.race([lookup, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function lookUp(deps: { conversations: ConversationStore; guildSettings: GuildSettings; config: Models }, place: Place): Promise<ModelAndOptions> {
  if (place.channelId) {
    // Only a conversation's thread has a record under its id; one of another server is never shown.
    // Peeked, not loaded: an older record is not migrated (its every image read) on each keystroke.
    const peeked = await deps.conversations.peek(place.channelId);
    if (peeked.kind === 'found' && peeked.outline.guildId === place.guildId) {
      return modelAndOptions(peeked.outline, undefined, deps.guildSettings.environmentSettings(), deps.config.imageModels);
    }
  }
  const settings = await deps.guildSettings.effectiveSettings(place.guildId);
  return fromSettings(settings, place.chosenModel, deps.config);
}

function fromSettings(
  settings: { model: string; chosenDefaults: ChosenDefaults },
  chosenModel: string | null,
  { allowedModels, imageModels }: Models,
): ModelAndOptions {
  // Only an allowed model counts: the option is what the member has typed so far.
  return modelAndOptions(undefined, chosenModel && allowedModels.includes(chosenModel) ? chosenModel : undefined, settings, imageModels);
}
