/**
 * Whether JSON we did not write (Gemini's answers, a stored record of an
 * older shape) is an object with fields, not null, an array or a scalar:
 * checked before its fields are read, since nothing guarantees the shape.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
