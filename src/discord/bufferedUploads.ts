import { randomUUID } from 'node:crypto';
import { DefaultRestOptions, type RESTOptions } from 'discord.js';

type MakeRequest = RESTOptions['makeRequest'];
type RequestInit = Parameters<MakeRequest>[1];

/** A form already turned into bytes: discord.js sends the same form again when it retries a request. */
interface BufferedForm {
  body: Buffer;
  contentType: string;
}

/**
 * discord.js's REST requests (`rest.makeRequest`), with a form (a message
 * with files) sent as one buffer of multipart bytes instead of discord.js's
 * FormData. discord.js copies each file into a Blob; that copy lives outside
 * V8's view (a Blob's bytes are not an ArrayBuffer V8 counts), so a Blob
 * that reaches the old generation keeps its megabytes until a full
 * collection, which nothing then prompts: with an image posted every turn
 * the bot's memory grew by megabytes a turn. Here each Blob is read once,
 * as soon as the request is made, and dropped from the form; the bytes sent
 * are an ordinary buffer, kept for a retry only as long as the form itself.
 */
export function bufferedUploads(send: MakeRequest = (url, init) => DefaultRestOptions.makeRequest(url, init)): MakeRequest {
  const forms = new WeakMap<FormData, BufferedForm>();
  return async (url, init) => {
    const form = init.body;
    if (!(form instanceof FormData)) return send(url, init);
    let buffered = forms.get(form);
    if (!buffered) {
      buffered = await encodeForm(form);
      forms.set(form, buffered);
      // The Blobs go now, young: the form is held by discord.js until the request settles, and a retry reads `forms`.
      for (const name of new Set(form.keys())) form.delete(name);
    }
    return send(url, withBody(init, buffered));
  };
}

function withBody(init: RequestInit, form: BufferedForm): RequestInit {
  const headers = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
  headers.set('content-type', form.contentType);
  return { ...init, headers: Object.fromEntries(headers), body: form.body };
}

/**
 * The form as multipart/form-data bytes and their content type (with its
 * boundary), byte for byte what undici's encoder writes for it (the one
 * fetch uses for a FormData body, and so what discord.js would have sent:
 * the test compares the two). Written here rather than read through
 * `new Response(form).arrayBuffer()`, whose web streams took about a
 * millisecond of every upload's CPU to pass 2 MB along in small chunks; each
 * file is read with one native copy.
 */
async function encodeForm(form: FormData): Promise<BufferedForm> {
  const boundary = `----formdata-${randomUUID()}`;
  const prefix = `--${boundary}\r\nContent-Disposition: form-data`;
  const parts: Buffer[] = [];
  for (const [name, value] of form) {
    if (typeof value === 'string') {
      parts.push(Buffer.from(`${prefix}; name="${escapeQuoted(normalizeLineBreaks(name))}"\r\n\r\n${normalizeLineBreaks(value)}\r\n`));
      continue;
    }
    const filename = value.name ? `; filename="${escapeQuoted(value.name)}"` : '';
    parts.push(Buffer.from(`${prefix}; name="${escapeQuoted(normalizeLineBreaks(name))}"${filename}\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`));
    parts.push(Buffer.from(await value.arrayBuffer()), CRLF);
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const CRLF = Buffer.from('\r\n');

/** As undici (after formdata-polyfill) escapes a name or file name inside its quotes. */
function escapeQuoted(text: string): string {
  return text.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
}

/** Every line break as CRLF, as the multipart encoding algorithm asks for names and string values. */
function normalizeLineBreaks(text: string): string {
  return text.replace(/\r?\n|\r/g, '\r\n');
}
