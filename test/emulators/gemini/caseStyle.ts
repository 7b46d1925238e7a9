// Protobuf JSON accepts a field under its JSON name (lowerCamelCase) or its
// proto name (snake_case), and Google's servers may answer in either style.
// These helpers convert between the two so the emulator can accept both and
// can answer in both.

/** 'inline_data' → 'inlineData'. Names already in camelCase are unchanged. */
export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/** 'inlineData' → 'inline_data'. Names already in snake_case are unchanged. */
export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Deep copy of a JSON value with every object key renamed to snake_case. */
export function toSnakeCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnakeCaseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [camelToSnake(key), toSnakeCaseKeys(inner)]),
  );
}
