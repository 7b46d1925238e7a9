import { ApplicationCommandOptionType, type CommandInteractionOption } from 'discord.js';
import { z } from 'zod';
import type { Refusal } from '../refusals/refusal.js';

/** An attachment option as the bot uses it: Discord's CDN address, the file name and its declared size. */
export const attachmentOption = z.object({ url: z.string(), name: z.string(), size: z.number().int().nonnegative() });

export type OptionsResult<T> = { ok: true; options: T } | { ok: false; refusal: Refusal & { kind: 'options-unreadable' } };

/**
 * A command's options checked against its schema before any work. Discord
 * sends what the registration the member's client knows says, which can be
 * older than the bot (a required option missing, a choice since removed), so
 * the options are input like any other: a problem is answered in one plain
 * sentence instead of failing half-way through.
 */
export function readOptions<T>(commandName: string, data: readonly CommandInteractionOption[], schema: z.ZodType<T>): OptionsResult<T> {
  const values = optionValues(data);
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, options: parsed.data };
  const problems = [...new Set(parsed.error.issues.map((issue) => describeIssue(issue, values)))];
  return { ok: false, refusal: { kind: 'options-unreadable', command: commandName, problems } };
}

/**
 * The options as one plain object: a subcommand's name under `subcommand`
 * (its group's under `subcommandGroup`)
 * and its own options beside it, an attachment as its CDN source, and
 * anything else (channels and roles included) as the raw value Discord sent.
 */
function optionValues(data: readonly CommandInteractionOption[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const option of data) {
    if (option.type === ApplicationCommandOptionType.SubcommandGroup) {
      Object.assign(values, optionValues(option.options ?? []), { subcommandGroup: option.name });
    } else if (option.type === ApplicationCommandOptionType.Subcommand) {
      Object.assign(values, optionValues(option.options ?? []), { subcommand: option.name });
    } else if (option.type === ApplicationCommandOptionType.Attachment) {
      values[option.name] = option.attachment ? { url: option.attachment.url, name: option.attachment.name, size: option.attachment.size } : option.value;
    } else {
      values[option.name] = option.value;
    }
  }
  return values;
}

function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>): string {
  const name = issue.path[0];
  if (name === undefined) return 'its options are not what I expect';
  const option = name === 'subcommand' ? 'the subcommand' : `the ${String(name)} option`;
  if (values[String(name)] === undefined) return `${option} is missing`;
  if (issue.code === 'too_small') return `${option} is empty`;
  if (issue.code === 'too_big') return `${option} is too long`;
  return `${option} has a value I do not know`;
}
