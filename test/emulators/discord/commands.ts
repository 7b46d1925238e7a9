import { autocompleteProblems } from './autocomplete.js';
import { invalidFormBody, type FieldError } from './errors.js';
import type { World } from './state.js';
import type { RegisteredCommand } from './types.js';

// Discord's documented name rule (lowercase where the script has case).
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

// User and message context menu commands (types 2 and 3) may use any case and spaces, up to 32 characters.
const CONTEXT_MENU_NAME = /^.{1,32}$/u;

function checkNameAndDescription(
  entry: Record<string, unknown>,
  path: (string | number)[],
  problems: FieldError[],
  needsDescription: boolean,
  contextMenu = false,
) {
  const name = entry.name;
  const valid = typeof name === 'string' && (contextMenu ? CONTEXT_MENU_NAME.test(name) : NAME.test(name) && name === name.toLowerCase());
  if (!valid) {
    problems.push({ path: [...path, 'name'], code: 'APPLICATION_COMMAND_INVALID_NAME', message: 'Command name is invalid' });
  }
  const description = entry.description;
  if (needsDescription && (typeof description !== 'string' || description.length < 1 || description.length > 100)) {
    problems.push({ path: [...path, 'description'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' });
  }
}

function checkOptions(options: unknown, path: (string | number)[], problems: FieldError[]) {
  if (options === undefined || options === null) return;
  if (!Array.isArray(options)) {
    problems.push({ path, code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    return;
  }
  if (options.length > 25) problems.push({ path, code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
  let sawOptional = false;
  options.forEach((raw, i) => {
    const option = (raw ?? {}) as Record<string, unknown>;
    checkNameAndDescription(option, [...path, i], problems, true);
    if (typeof option.type !== 'number' || option.type < 1 || option.type > 11) {
      problems.push({ path: [...path, i, 'type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.' });
    }
    // Required options must come before optional ones.
    if (option.required === true && sawOptional) {
      problems.push({ path: [...path, i, 'required'], code: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', message: 'Required options must be placed before non-required options' });
    }
    if (option.required !== true && option.type !== 1 && option.type !== 2) sawOptional = true;
    if (Array.isArray(option.choices) && option.choices.length > 25) {
      problems.push({ path: [...path, i, 'choices'], code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
    }
    problems.push(...autocompleteProblems(option, [...path, i]));
    checkOptions(option.options, [...path, i, 'options'], problems);
  });
}

/** Bulk overwrite: validates everything first, then replaces the scope's commands (ids kept by name). */
export function overwriteCommands(world: World, scope: string, body: unknown): RegisteredCommand[] {
  if (!Array.isArray(body)) throw invalidFormBody([{ path: [], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }]);
  const problems: FieldError[] = [];
  body.forEach((raw, i) => {
    const command = (raw ?? {}) as Record<string, unknown>;
    const type = command.type ?? 1;
    // Only chat-input commands (type 1) have descriptions; user/message commands have none.
    checkNameAndDescription(command, [i], problems, type === 1, type === 2 || type === 3);
    checkOptions(command.options, [i, 'options'], problems);
  });
  if (problems.length > 0) throw invalidFormBody(problems);
  const previous = world.commands.get(scope) ?? [];
  const stored = (body as Record<string, unknown>[]).map((command) => {
    const id = previous.find((p) => p.name === command.name)?.id ?? world.ids.next();
    const out: Record<string, unknown> = {
      id,
      application_id: world.applicationId,
      version: world.ids.next(),
      type: 1,
      default_member_permissions: null,
      dm_permission: true,
      nsfw: false,
      integration_types: [0],
      contexts: null,
      description_localizations: null,
      name_localizations: null,
      ...command,
    };
    if (scope !== 'global') out.guild_id = scope;
    return out as unknown as RegisteredCommand;
  });
  world.commands.set(scope, stored);
  return stored;
}

/** The command a member of this guild would pick: the guild's own first, then the global one. */
export function findCommandId(world: World, guildId: string, name: string): string | undefined {
  for (const scope of [guildId, 'global']) {
    const found = world.commands.get(scope)?.find((c) => c.name === name);
    if (found) return found.id;
  }
  return undefined;
}

/**
 * The registered definition of the option a member is typing in: Discord sends an
 * autocomplete interaction only for an option registered with `autocomplete: true`.
 * `path` is the option names from the command down (subcommand, then option).
 */
export function findRegisteredOption(world: World, guildId: string, commandName: string, path: string[]): Record<string, unknown> | undefined {
  for (const scope of [guildId, 'global']) {
    const command = world.commands.get(scope)?.find((c) => c.name === commandName);
    if (!command) continue;
    let options = (command as unknown as { options?: Record<string, unknown>[] }).options ?? [];
    let found: Record<string, unknown> | undefined;
    for (const name of path) {
      found = options.find((option) => option.name === name);
      options = (found?.options as Record<string, unknown>[] | undefined) ?? [];
    }
    return found;
  }
  return undefined;
}
