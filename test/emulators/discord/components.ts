import type { FieldError } from './errors.js';
import type { StoredMessage } from './types.js';

type Json = Record<string, unknown>;

const ACTION_ROW = 1;
const BUTTON = 2;
/** String, user, role, mentionable and channel selects. */
const SELECTS = new Set([3, 5, 6, 7, 8]);
const LINK_STYLE = 5;
const PREMIUM_STYLE = 6;
const MAX_ROWS = 5;
const MAX_BUTTONS_PER_ROW = 5;
const MAX_CUSTOM_ID = 100;
const MAX_LABEL = 80;
// Components v2 messages (flag 1 << 15) may nest up to 40 components in total.
const MAX_V2_COMPONENTS = 40;

type Path = (string | number)[];

function customId(c: Json, path: Path, seen: Set<string>, problems: FieldError[]): void {
  const id = c.custom_id;
  if (typeof id !== 'string' || id.length < 1 || id.length > MAX_CUSTOM_ID) {
    problems.push({ path: [...path, 'custom_id'], code: 'BASE_TYPE_BAD_LENGTH', message: `Must be between 1 and ${MAX_CUSTOM_ID} in length.` });
    return;
  }
  // Discord rejects two interactive components with the same custom_id in one message.
  if (seen.has(id)) problems.push({ path: [...path, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' });
  seen.add(id);
}

function checkButton(c: Json, path: Path, seen: Set<string>, problems: FieldError[]): void {
  const style = c.style;
  if (typeof style !== 'number' || style < 1 || style > PREMIUM_STYLE) {
    problems.push({ path: [...path, 'style'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {1, 2, 3, 4, 5, 6}.' });
    return;
  }
  if (style === LINK_STYLE) {
    // Link buttons open a URL and send no interaction, so they carry no custom_id.
    if (typeof c.url !== 'string' || c.url.length > 512) problems.push({ path: [...path, 'url'], code: 'BUTTON_COMPONENT_URL_REQUIRED', message: 'A url is required' });
    if (c.custom_id !== undefined) problems.push({ path: [...path, 'custom_id'], code: 'BUTTON_COMPONENT_LINK_NO_CUSTOM_ID', message: 'A custom id cannot be specified for link buttons' });
  } else if (style !== PREMIUM_STYLE) {
    customId(c, path, seen, problems);
  }
  if (typeof c.label === 'string' && c.label.length > MAX_LABEL) {
    problems.push({ path: [...path, 'label'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_LABEL} or fewer in length.` });
  }
  if (style !== PREMIUM_STYLE && (typeof c.label !== 'string' || c.label === '') && !c.emoji) {
    problems.push({ path: [...path], code: 'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED', message: 'A label or emoji is required' });
  }
}

function checkSelect(c: Json, path: Path, seen: Set<string>, problems: FieldError[]): void {
  customId(c, path, seen, problems);
  if (c.type === 3 && (!Array.isArray(c.options) || c.options.length < 1 || c.options.length > 25)) {
    problems.push({ path: [...path, 'options'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 25 in length.' });
  }
}

/** Legacy layout: up to 5 action rows, each with 1-5 buttons or exactly one select menu. */
function checkLegacy(rows: unknown[], problems: FieldError[]): void {
  if (rows.length > MAX_ROWS) problems.push({ path: ['components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_ROWS} or fewer in length.` });
  const seen = new Set<string>();
  rows.forEach((raw, i) => {
    const row = (raw ?? {}) as Json;
    const path: Path = ['components', i];
    if (row.type !== ACTION_ROW || !Array.isArray(row.components)) {
      problems.push({ path: [...path, 'type'], code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be one of (1,).' });
      return;
    }
    const children = row.components as Json[];
    const buttons = children.filter((c) => c?.type === BUTTON).length;
    const selects = children.filter((c) => SELECTS.has(c?.type as number)).length;
    const width = buttons + selects * MAX_BUTTONS_PER_ROW;
    if (children.length === 0) problems.push({ path: [...path, 'components'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 5 in length.' });
    if (width > MAX_BUTTONS_PER_ROW) problems.push({ path: [...path, 'components'], code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', message: 'The specified component exceeds the maximum width' });
    children.forEach((child, j) => {
      const at: Path = [...path, 'components', j];
      if (child?.type === BUTTON) checkButton(child, at, seen, problems);
      else if (SELECTS.has(child?.type as number)) checkSelect(child, at, seen, problems);
      // Text inputs (4) only exist inside modals.
      else problems.push({ path: [...at, 'type'], code: 'COMPONENT_TYPE_INVALID', message: `Component type ${String(child?.type)} is not valid in a message action row` });
    });
  });
}

function countTree(components: unknown[]): number {
  let n = 0;
  for (const raw of components) {
    const c = (raw ?? {}) as Json;
    n += 1;
    if (Array.isArray(c.components)) n += countTree(c.components);
    if (c.accessory) n += 1;
  }
  return n;
}

export function checkComponents(components: unknown, componentsV2: boolean, problems: FieldError[]): void {
  if (components === undefined || components === null) return;
  if (!Array.isArray(components)) {
    problems.push({ path: ['components'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    return;
  }
  if (!componentsV2) return checkLegacy(components, problems);
  if (countTree(components) > MAX_V2_COMPONENTS) {
    problems.push({ path: ['components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_V2_COMPONENTS} or fewer in length.` });
  }
}

/** Discord numbers every component (`id`, from 1, in tree order) when the sender gave none. */
export function numberComponents<T>(components: T[]): T[] {
  const copy = structuredClone(components) as Json[];
  const used = new Set<number>();
  const all: Json[] = [];
  const walk = (list: Json[]) => {
    for (const c of list) {
      if (!c || typeof c !== 'object') continue;
      all.push(c);
      if (typeof c.id === 'number') used.add(c.id);
      if (Array.isArray(c.components)) walk(c.components as Json[]);
      if (c.component && typeof c.component === 'object') walk([c.component as Json]);
      if (c.accessory && typeof c.accessory === 'object') walk([c.accessory as Json]);
    }
  };
  walk(copy);
  let next = 1;
  for (const c of all) {
    if (typeof c.id === 'number') continue;
    while (used.has(next)) next++;
    c.id = next;
    used.add(next);
  }
  return copy as T[];
}

/** Finds a component with this custom_id anywhere in a message's component tree. */
export function findComponent(message: StoredMessage, id: string): Json | undefined {
  const walk = (list: unknown[]): Json | undefined => {
    for (const raw of list) {
      const c = (raw ?? {}) as Json;
      if (c.custom_id === id) return c;
      const nested = [...(Array.isArray(c.components) ? c.components : []), ...(c.accessory ? [c.accessory] : [])];
      const found = walk(nested);
      if (found) return found;
    }
    return undefined;
  };
  return walk((message.components ?? []) as unknown[]);
}
