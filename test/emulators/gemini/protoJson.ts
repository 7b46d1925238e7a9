// Google parses request bodies as protobuf JSON, which is stricter than "any
// JSON object": an unknown field name is a 400, each field may be written as
// its JSON name (inlineData) or its proto name (inline_data), bytes must be
// base64, enums must name a known value, and null means "not set". This module
// walks a body against a small schema with those rules and returns a copy with
// every proto field renamed to camelCase, so the rest of the emulator sees one
// spelling. Error messages copy the wording of Google's.

import { camelToSnake } from './caseStyle.js';
import { invalidField, type GeminiError } from './errors.js';

export type FieldType =
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'number'; integer: boolean }
  | { kind: 'bytes' }
  | { kind: 'enum'; typeName: string; values: readonly string[] }
  | { kind: 'message'; schema: MessageSchema }
  /** google.protobuf.Struct or Value: user data, keys kept as written. */
  | { kind: 'json' };

export interface FieldSpec {
  type: FieldType;
  repeated?: boolean;
}

export interface MessageSchema {
  typeName: string;
  fields: Record<string, FieldSpec>;
}

/** Thrown inside the walk; converted to a GeminiError at the top. */
class ProtoJsonError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const TYPE_URL = 'type.googleapis.com/google.ai.generativelanguage.v1beta.';
// Linear-time check: a grouped regex like (?:[A-Za-z0-9+/]{4})* overflows V8's stack on megabytes of base64.
const STANDARD_BASE64 = { test: (value: string) => value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value) };

/** Normalises `body` against `schema`, or returns the 400 Google would send. */
export function parseProtoJson(
  body: unknown,
  schema: MessageSchema,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: GeminiError } {
  try {
    return { ok: true, value: readMessage(body, schema, '') };
  } catch (error) {
    if (error instanceof ProtoJsonError) return { ok: false, error: invalidField(error.field, error.message) };
    throw error;
  }
}

function readMessage(value: unknown, schema: MessageSchema, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidValue(path, `${TYPE_URL}${schema.typeName}`, value);
  }
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = fieldNameFor(key, schema);
    if (name === undefined) {
      const where = path === '' ? '' : ` at '${path}'`;
      throw new ProtoJsonError(path, `Invalid JSON payload received. Unknown name "${key}"${where}: Cannot find field.`);
    }
    const fieldPath = joinPath(path, camelToSnake(name));
    if (name in result) {
      throw new ProtoJsonError(fieldPath, `Invalid JSON payload received. Duplicate field "${key}" at '${fieldPath}'.`);
    }
    // In protobuf JSON, null is the same as leaving the field out.
    if (inner === null) continue;
    const spec = schema.fields[name] as FieldSpec;
    result[name] = spec.repeated ? readRepeated(inner, spec.type, fieldPath) : readField(inner, spec.type, fieldPath);
  }
  return result;
}

function fieldNameFor(key: string, schema: MessageSchema): string | undefined {
  if (Object.hasOwn(schema.fields, key)) return key;
  return Object.keys(schema.fields).find((name) => camelToSnake(name) === key);
}

function readRepeated(value: unknown, type: FieldType, path: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new ProtoJsonError(path, `Invalid value at '${path}' (${typeLabel(type)}), ${preview(value)}`);
  }
  return value.map((item, index) => readField(item, type, `${path}[${index}]`));
}

function readField(value: unknown, type: FieldType, path: string): unknown {
  switch (type.kind) {
    case 'string':
      if (typeof value !== 'string') throw invalidValue(path, 'TYPE_STRING', value);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw invalidValue(path, 'TYPE_BOOL', value);
      return value;
    case 'number':
      return readNumber(value, type.integer, path);
    case 'bytes':
      if (typeof value !== 'string') throw invalidValue(path, 'TYPE_BYTES', value);
      if (!STANDARD_BASE64.test(value)) {
        throw new ProtoJsonError(path, `Invalid value at '${path}' (TYPE_BYTES), Base64 decoding failed for ${preview(value)}`);
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value)) {
        throw invalidValue(path, `${TYPE_URL}${type.typeName}`, value);
      }
      return value;
    case 'message':
      return readMessage(value, type.schema, path);
    case 'json':
      return value;
  }
}

function readNumber(value: unknown, integer: boolean, path: string): number {
  // Protobuf JSON also accepts numbers written as strings ("64-bit safe").
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || (integer && !Number.isInteger(number))) {
    throw invalidValue(path, integer ? 'TYPE_INT32' : 'TYPE_FLOAT', value);
  }
  return number;
}

function invalidValue(path: string, label: string, value: unknown): ProtoJsonError {
  return new ProtoJsonError(path, `Invalid value at '${path}' (${label}), ${preview(value)}`);
}

function typeLabel(type: FieldType): string {
  if (type.kind === 'message') return `${TYPE_URL}${type.schema.typeName}`;
  if (type.kind === 'enum') return `${TYPE_URL}${type.typeName}`;
  return `TYPE_${type.kind.toUpperCase()}`;
}

function joinPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Google quotes the offending value; keep megabytes of base64 out of the message. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}
