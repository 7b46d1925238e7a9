import type { APIApplicationCommandOptionChoice } from 'discord.js';
import type { ImageSettings, ModelRange } from '../gemini/imageOptions.js';

/** The image options offered through autocomplete (their names are the commands' public interface). */
export type ImageOptionName = 'aspect_ratio' | 'size';

/** Discord shows at most 25 suggestions; names hold 1 to 100 characters. */
const MAX_SUGGESTIONS = 25;

/**
 * The suggestions for an image option as a member types it: what the model
 * takes, filtered by the typed text (matching the start of a suggestion
 * first, then anywhere in it, so "16" finds 16:9 and "portrait" the tall
 * ratios), the value applying now marked. Pure: the model was decided by
 * the caller (a thread's, the /imagine model option, the server's).
 */
export function imageOptionChoices(
  range: ModelRange,
  option: ImageOptionName,
  typed: string,
  applying: ImageSettings,
): APIApplicationCommandOptionChoice<string>[] {
  const values = option === 'aspect_ratio' ? range.aspectRatios : range.imageSizes;
  // Gemini's own defaults apply when nothing is set.
  const current = option === 'aspect_ratio' ? (applying.aspectRatio ?? '1:1') : (applying.imageSize ?? '1K');
  const choices = values.map((value) => ({ name: choiceName(option, value, value === current), value }));
  const wanted = typed.trim().toLowerCase();
  const starts = choices.filter((choice) => choice.name.toLowerCase().startsWith(wanted));
  const contains = choices.filter((choice) => !starts.includes(choice) && choice.name.toLowerCase().includes(wanted));
  return [...starts, ...contains].slice(0, MAX_SUGGESTIONS);
}

function choiceName(option: ImageOptionName, value: string, current: boolean): string {
  const described = option === 'aspect_ratio' ? `${value} (${shapeOf(value)})` : value;
  return current ? `${described}, the default here` : described;
}

function shapeOf(ratio: string): string {
  const [width = 1, height = 1] = ratio.split(':').map(Number);
  return width === height ? 'square' : width > height ? 'landscape' : 'portrait';
}
