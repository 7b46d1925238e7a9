import type { ConversationRecord } from '../conversation/conversationRecord.js';
import { defaultsFor, type ChosenDefaults, type ImageSettings, type ModelRange, type ModelTable } from '../gemini/imageOptions.js';

/** The model a turn uses and the image options that apply unless the member picks others. */
export interface ModelAndOptions {
  model: string;
  /** What that model makes (the table's, or the cautious range for a model it does not know). */
  range: ModelRange;
  applying: ImageSettings;
}

/**
 * The one rule for which model and options apply: a conversation keeps its
 * own model and options (thought signatures are the model's own); a new one
 * takes the model the member chose, else the server's, with the server's
 * defaults as that model makes them (one set aside for another model may
 * apply). planTurn decides a turn by it, and the /imagine suggestions
 * (discord/imageOptionsHere.ts) offer what it says a command typed there
 * would use.
 */
export function modelAndOptions(
  conversation: Pick<ConversationRecord, 'model' | 'settings'> | undefined,
  chosenModel: string | undefined,
  serverDefaults: { model: string; chosenDefaults: ChosenDefaults },
  imageModels: ModelTable,
): ModelAndOptions {
  if (conversation) return { model: conversation.model, range: imageModels.rangeOf(conversation.model), applying: conversation.settings };
  const model = chosenModel ?? serverDefaults.model;
  const range = imageModels.rangeOf(model);
  return { model, range, applying: defaultsFor(range, serverDefaults.chosenDefaults) };
}
