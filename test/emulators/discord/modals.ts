import { numberComponents } from './components.js';
import { invalidFormBody, type FieldError } from './errors.js';
import type { ModalRecord } from './types.js';

type Json = Record<string, unknown>;
type Path = (string | number)[];

const ACTION_ROW = 1;
const STRING_SELECT = 3;
const TEXT_INPUT = 4;
const TEXT_DISPLAY = 10;
const LABEL = 18;
const MAX_TITLE = 45;
const MAX_CUSTOM_ID = 100;
// A modal holds at most 5 top-level components (rows, labels, text displays).
const MAX_TOP_LEVEL = 5;
const MAX_INPUT_LENGTH = 4000;

function bad(problems: FieldError[], path: Path, message: string, code = 'BASE_TYPE_BAD_LENGTH'): void {
  problems.push({ path: ['data', ...path], code, message });
}

function checkString(value: unknown, path: Path, min: number, max: number, problems: FieldError[], required = true): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value.length < min || value.length > max) bad(problems, path, `Must be between ${min} and ${max} in length.`);
}

/** Text input rules; `inLabel` inputs take their label from the Label component instead. */
function checkTextInput(c: Json, path: Path, seen: Set<string>, problems: FieldError[], inLabel: boolean): void {
  checkString(c.custom_id, [...path, 'custom_id'], 1, MAX_CUSTOM_ID, problems);
  if (typeof c.custom_id === 'string') {
    if (seen.has(c.custom_id)) bad(problems, [...path, 'custom_id'], 'Component custom id cannot be duplicated', 'COMPONENT_CUSTOM_ID_DUPLICATED');
    seen.add(c.custom_id);
  }
  if (c.style !== 1 && c.style !== 2) bad(problems, [...path, 'style'], 'Value must be one of {1, 2}.', 'BASE_TYPE_CHOICES');
  checkString(c.label, [...path, 'label'], 1, MAX_TITLE, problems, !inLabel);
  checkString(c.placeholder, [...path, 'placeholder'], 0, 100, problems, false);
  checkString(c.value, [...path, 'value'], 0, MAX_INPUT_LENGTH, problems, false);
  for (const key of ['min_length', 'max_length'] as const) {
    const n = c[key];
    if (n !== undefined && (typeof n !== 'number' || n < (key === 'min_length' ? 0 : 1) || n > MAX_INPUT_LENGTH)) {
      bad(problems, [...path, key], `int value should be between 0 and ${MAX_INPUT_LENGTH}.`, 'NUMBER_TYPE_MAX');
    }
  }
}

/**
 * Validates a MODAL (type 9) callback's data. Both shapes discord.js 14.28 can send are accepted:
 * legacy action rows holding one text input, and Label (18) components wrapping one input.
 */
export function checkModal(data: Json): ModalRecord {
  const problems: FieldError[] = [];
  checkString(data.custom_id, ['custom_id'], 1, MAX_CUSTOM_ID, problems);
  checkString(data.title, ['title'], 1, MAX_TITLE, problems);
  const components = Array.isArray(data.components) ? (data.components as Json[]) : undefined;
  if (!components || components.length < 1 || components.length > MAX_TOP_LEVEL) {
    bad(problems, ['components'], `Must be between 1 and ${MAX_TOP_LEVEL} in length.`);
  }
  const seen = new Set<string>();
  (components ?? []).forEach((raw, i) => {
    const c = (raw ?? {}) as Json;
    const path: Path = ['components', i];
    if (c.type === ACTION_ROW) {
      const children = Array.isArray(c.components) ? (c.components as Json[]) : [];
      if (children.length !== 1 || children[0]?.type !== TEXT_INPUT) {
        return bad(problems, [...path, 'components'], 'A modal action row holds exactly one text input', 'COMPONENT_LAYOUT_WIDTH_EXCEEDED');
      }
      checkTextInput(children[0], [...path, 'components', 0], seen, problems, false);
    } else if (c.type === LABEL) {
      checkString(c.label, [...path, 'label'], 1, MAX_TITLE, problems);
      checkString(c.description, [...path, 'description'], 0, 100, problems, false);
      const child = (c.component ?? {}) as Json;
      if (child.type === TEXT_INPUT) checkTextInput(child, [...path, 'component'], seen, problems, true);
      else if (typeof child.custom_id === 'string') seen.add(child.custom_id);
      else bad(problems, [...path, 'component'], 'A label wraps one interactive component', 'BASE_TYPE_REQUIRED');
    } else if (c.type !== TEXT_DISPLAY) {
      bad(problems, [...path, 'type'], `Component type ${String(c.type)} is not valid in a modal`, 'UNION_TYPE_CHOICES');
    }
  });
  if (problems.length > 0) throw invalidFormBody(problems);
  return { custom_id: data.custom_id as string, title: data.title as string, components: numberComponents(components!) };
}

/** What the user's client sends back for one input: text inputs carry `value`, selects `values`. */
function submitted(input: Json, values: Record<string, string>, used: Set<string>): Json {
  const id = input.custom_id as string;
  const given = values[id];
  if (given !== undefined) used.add(id);
  if (input.type === TEXT_INPUT) {
    const value = given ?? '';
    // The client enforces these before it lets the user press Submit.
    if (input.required !== false && value === '') throw new Error(`discord emulator: text input "${id}" is required`);
    const max = typeof input.max_length === 'number' ? input.max_length : MAX_INPUT_LENGTH;
    const min = typeof input.min_length === 'number' ? input.min_length : 0;
    if (value.length > max || (value !== '' && value.length < min)) {
      throw new Error(`discord emulator: text input "${id}" takes ${min}-${max} characters, got ${value.length}`);
    }
    return { type: TEXT_INPUT, id: input.id, custom_id: id, value };
  }
  if (input.type === STRING_SELECT) return { type: STRING_SELECT, id: input.id, custom_id: id, values: given === undefined ? [] : [given] };
  throw new Error(`discord emulator: submitModal cannot fill component type ${String(input.type)} ("${id}")`);
}

/** MODAL_SUBMIT `data.components`, in the same shape (rows or labels) the modal was opened with. */
export function modalSubmission(modal: ModalRecord, values: Record<string, string>): Json[] {
  const used = new Set<string>();
  const out = (modal.components as Json[]).map((c) => {
    if (c.type === ACTION_ROW) {
      return { type: ACTION_ROW, id: c.id, components: (c.components as Json[]).map((input) => submitted(input, values, used)) };
    }
    if (c.type === LABEL) return { type: LABEL, id: c.id, component: submitted(c.component as Json, values, used) };
    return { type: c.type, id: c.id };
  });
  const unknown = Object.keys(values).filter((id) => !used.has(id));
  if (unknown.length > 0) throw new Error(`discord emulator: modal "${modal.custom_id}" has no inputs ${unknown.join(', ')}`);
  return out;
}
