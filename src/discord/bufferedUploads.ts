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
 * boundary), written by undici's own encoder: the one fetch uses for a
 * FormData body, and so what discord.js would have sent.
 */
async function encodeForm(form: FormData): Promise<BufferedForm> {
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type');
  if (!contentType) throw new Error('undici gave a FormData body no content type');
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType };
}
