import type { IncomingMessage } from 'node:http';
import { errors } from './errors.js';
import type { UploadedFile } from './types.js';

export interface ParsedBody {
  /** payload_json (multipart) or the JSON body; undefined when there was no body. */
  json: unknown;
  files: UploadedFile[];
  /** Raw length, so recordings can show what went over the wire. */
  length: number;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Discord accepts `application/json` bodies or `multipart/form-data` with a `payload_json`
 * field and `files[n]` parts (discord.js sends exactly that). Node 20's fetch Request
 * parses multipart for us.
 */
export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, files: [], length: 0 };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const form = await new Request('http://emulator.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType! },
      body: raw,
    }).formData();
    const files: UploadedFile[] = [];
    let json: unknown = undefined;
    const plainFields: Record<string, string> = {};
    for (const [fieldName, value] of form.entries()) {
      if (typeof value === 'string') {
        if (fieldName === 'payload_json') json = parseJson(value);
        else plainFields[fieldName] = value;
      } else {
        files.push({
          fieldName,
          filename: value.name,
          contentType: value.type,
          bytes: new Uint8Array(await value.arrayBuffer()),
        });
      }
    }
    // Without payload_json Discord reads ordinary form fields (content=..., etc.).
    if (json === undefined && Object.keys(plainFields).length > 0) json = plainFields;
    return { json, files, length: raw.length };
  }
  return { json: parseJson(raw.toString('utf8')), files: [], length: raw.length };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw errors.badJson();
  }
}

/** The n in `files[n]`; Discord matches it against `attachments[].id` in payload_json. */
export function fileIndex(fieldName: string): string | undefined {
  return /^files\[(\d+)\]$/.exec(fieldName)?.[1] ?? /^file(\d*)$/.exec(fieldName)?.[1];
}
