import { invalidFormBody, type FieldError } from './errors.js';
import type { InteractionRecord } from './types.js';

/**
 * Autocomplete, as Discord documents it (Receiving and Responding, "Autocomplete";
 * discord-api-spec's ApplicationCommandAutocompleteCallbackRequest): an
 * APPLICATION_COMMAND_AUTOCOMPLETE interaction (type 4) may only be answered with
 * APPLICATION_COMMAND_AUTOCOMPLETE_RESULT (callback type 8), whose `data.choices` holds
 * at most 25 choices, each a 1-100 character name and a value of the focused option's
 * type (a string of at most 100 characters for a string option). Only option types 3
 * STRING, 4 INTEGER and 10 NUMBER can have autocomplete, and never with `choices`.
 */
export const AUTOCOMPLETE_OPTION_TYPES = [3, 4, 10];
const MAX_CHOICES = 25;
const MAX_NAME = 100;
const MAX_STRING_VALUE = 100;

/** What registration rejects about an option's autocomplete (the 50035 field errors go on its `autocomplete` key). */
export function autocompleteProblems(option: Record<string, unknown>, path: (string | number)[]): FieldError[] {
  if (option.autocomplete !== true) return [];
  const at = [...path, 'autocomplete'];
  // Discord answers 50035 on the option's autocomplete field (discord-api-docs#4319); the field codes here are ours.
  if (typeof option.type !== 'number' || !AUTOCOMPLETE_OPTION_TYPES.includes(option.type)) {
    return [{ path: at, code: 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID', message: 'Autocomplete cannot be configured for this type of option' }];
  }
  if (Array.isArray(option.choices) && option.choices.length > 0) {
    return [{ path: at, code: 'APPLICATION_COMMAND_AUTOCOMPLETE_INVALID', message: 'Autocomplete cannot be enabled on an option with choices' }];
  }
  return [];
}

/** Checks a type 8 callback's data against the focused option; returns the choices Discord would show. */
export function checkAutocompleteResult(record: InteractionRecord, data: Record<string, unknown>): Array<{ name: string; value: unknown }> {
  const choices = data.choices;
  if (choices === undefined || choices === null) return [];
  if (!Array.isArray(choices)) throw invalidFormBody([{ path: ['data', 'choices'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }]);
  const problems: FieldError[] = [];
  if (choices.length > MAX_CHOICES) problems.push({ path: ['data', 'choices'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_CHOICES} or fewer in length.` });
  choices.forEach((raw, index) => {
    const choice = (raw ?? {}) as Record<string, unknown>;
    const at = ['data', 'choices', index];
    if (typeof choice.name !== 'string' || choice.name.length < 1 || choice.name.length > MAX_NAME) {
      problems.push({ path: [...at, 'name'], code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between 1 and ${MAX_NAME} in length.` });
    }
    const problem = valueProblem(record.focusedOptionType ?? 3, choice.value);
    if (problem) problems.push({ path: [...at, 'value'], ...problem });
  });
  if (problems.length > 0) throw invalidFormBody(problems);
  return choices as Array<{ name: string; value: unknown }>;
}

function valueProblem(optionType: number, value: unknown): { code: string; message: string } | undefined {
  switch (optionType) {
    case 3:
      if (typeof value !== 'string') return { code: 'BASE_TYPE_STRING', message: 'Could not interpret "{}" as string.'.replace('{}', String(value)) };
      return value.length > MAX_STRING_VALUE ? { code: 'BASE_TYPE_BAD_LENGTH', message: `Must be ${MAX_STRING_VALUE} or fewer in length.` } : undefined;
    case 4:
      return Number.isInteger(value) ? undefined : { code: 'NUMBER_TYPE_COERCE', message: `Value "${String(value)}" is not int.` };
    default:
      return typeof value === 'number' && Number.isFinite(value) ? undefined : { code: 'NUMBER_TYPE_COERCE', message: `Value "${String(value)}" is not a valid number.` };
  }
}
