import type Keyv from 'keyv';
import type { z } from 'zod';

export type LoadedRecord<T> =
  | { kind: 'found'; value: T }
  | { kind: 'missing' }
  /** Stored but unreadable (damaged, or written by an unknown version): never misread, never overwritten blindly. */
  | { kind: 'unreadable'; problem: string };

/**
 * Reads one versioned record and checks it against its schema. Store errors
 * are thrown (the caller tells the user the store failed); a record that
 * does not parse is reported as unreadable, naming why.
 */
export async function readVersionedRecord<Schema extends z.ZodType>(keyv: Keyv, key: string, schema: Schema): Promise<LoadedRecord<z.infer<Schema>>> {
  let value: unknown;
  try {
    value = await keyv.get(key);
  } catch (error) {
    // Keyv parses the stored JSON itself: a damaged row surfaces as a SyntaxError. Other errors are the database's.
    if (error instanceof SyntaxError) return { kind: 'unreadable', problem: `stored JSON is damaged: ${error.message}` };
    throw error;
  }
  if (value === undefined) return { kind: 'missing' };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { kind: 'found', value: parsed.data };
  const version = typeof value === 'object' && value !== null ? (value as { version?: unknown }).version : undefined;
  const versionUnknown = parsed.error.issues.some((issue) => issue.path[0] === 'version');
  return { kind: 'unreadable', problem: versionUnknown ? `unknown record version ${String(version)}` : parsed.error.message };
}
