import type { APIEmbed } from 'discord.js';
import { checkComponents } from './components.js';
import { invalidFormBody, type FieldError } from './errors.js';

type Body = Record<string, unknown>;

const MAX_CONTENT = 2000;
const MAX_EMBEDS = 10;
const MAX_FIELDS = 25;
// Discord caps the combined characters of all embeds in one message.
const MAX_EMBED_TOTAL = 6000;

const tooLong = (path: (string | number)[], max: number): FieldError => ({
  path,
  code: 'BASE_TYPE_MAX_LENGTH',
  message: `Must be ${max} or fewer in length.`,
});

/** Counts a string towards the 6000 total and checks its own limit (Discord's per-field embed limits). */
function text(value: unknown, path: (string | number)[], max: number, problems: FieldError[], required = false): number {
  if (value === undefined || value === null) {
    if (required) problems.push({ path, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
    return 0;
  }
  if (typeof value !== 'string') {
    problems.push({ path, code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
    return 0;
  }
  if (value.length > max) problems.push(tooLong(path, max));
  if (required && value.trim() === '') problems.push({ path, code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
  return value.length;
}

function checkEmbeds(embeds: unknown, problems: FieldError[]): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) {
    problems.push({ path: ['embeds'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    return;
  }
  if (embeds.length > MAX_EMBEDS) problems.push(tooLong(['embeds'], MAX_EMBEDS));
  let total = 0;
  (embeds as APIEmbed[]).forEach((embed, i) => {
    const at = (...rest: (string | number)[]) => ['embeds', i, ...rest];
    total += text(embed.title, at('title'), 256, problems);
    total += text(embed.description, at('description'), 4096, problems);
    total += text(embed.footer?.text, at('footer', 'text'), 2048, problems);
    total += text(embed.author?.name, at('author', 'name'), 256, problems);
    const fields = embed.fields ?? [];
    if (fields.length > MAX_FIELDS) problems.push(tooLong(at('fields'), MAX_FIELDS));
    fields.forEach((field, j) => {
      total += text(field.name, at('fields', j, 'name'), 256, problems, true);
      total += text(field.value, at('fields', j, 'value'), 1024, problems, true);
    });
  });
  if (total > MAX_EMBED_TOTAL) {
    problems.push({ path: ['embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: `Embed size exceeds maximum size of ${MAX_EMBED_TOTAL}` });
  }
}

/** Field checks shared by create and edit: content, embeds, components (400 50035 on failure). */
export function validateFields(body: Body, existingFlags = 0): void {
  const problems: FieldError[] = [];
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== 'string') {
      problems.push({ path: ['content'], code: 'BASE_TYPE_STRING', message: 'Must be a string.' });
    } else if (body.content.length > MAX_CONTENT) {
      problems.push(tooLong(['content'], MAX_CONTENT));
    }
  }
  checkEmbeds(body.embeds, problems);
  // IS_COMPONENTS_V2 (1 << 15) switches layout rules and cannot be removed once set.
  const componentsV2 = ((typeof body.flags === 'number' ? body.flags : 0) | existingFlags) & 32768;
  checkComponents(body.components, componentsV2 !== 0, problems);
  if (problems.length > 0) throw invalidFormBody(problems);
}

/** Embeds as Discord stores them: bots' embeds come back with type "rich". */
export function storedEmbeds(embeds: unknown): APIEmbed[] {
  if (!Array.isArray(embeds)) return [];
  return (embeds as APIEmbed[]).map((embed) => ({ type: 'rich', ...embed }) as APIEmbed);
}
