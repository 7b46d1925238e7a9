import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import type { DeserializedData } from 'keyv';

/**
 * Keyv's serialization, except that a text value is stored as itself. An
 * image blob is megabytes of base64: Keyv's default wraps it in a JSON
 * object, which copies the text twice on each write (JSON.stringify, then
 * the joined pieces flattened for the driver) and twice on each read
 * (JSON.parse of the row, then the string inside). Those copies are large
 * strings in V8's old generation, waiting for a full collection, and made
 * most of the bot's peak memory when many images arrived at once.
 *
 * Every other value is stored as Keyv always stored it: a JSON object,
 * starting with `{`. A text is stored as itself only when it does not start
 * with `{` (base64 never does; JSON's white space before it counts as
 * starting with it, as JSON.parse reads a row restored by hand) and
 * never expires, so reading tells the two apart by the first character, and
 * rows written before this read as before.
 */
export function serializeTextAsItself<Value>(entry: DeserializedData<Value>): string {
  const { value, expires } = entry;
  if (typeof value === 'string' && expires == null && !READS_AS_JSON.test(value)) return value;
  return defaultSerialize(entry);
}

/** A row JSON.parse would read as an object: `{` after JSON's white space, if any (anchored: never scans megabytes). */
const READS_AS_JSON = /^[ \t\n\r]*\{/;

/** Keyv's type trusts the reader with the value's type, as its own deserializer does; the callers check it (zod). */
export function deserializeTextAsItself<Value>(stored: string): DeserializedData<Value> | undefined {
  if (READS_AS_JSON.test(stored)) return defaultDeserialize(stored) as DeserializedData<Value> | undefined;
  return { value: stored as Value };
}
