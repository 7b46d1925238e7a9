const LF = 0x0a;
const CR = 0x0d;

/** An event's data passed the limit the reader was given: the stream is not what Gemini sends. */
export class ServerSentEventTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`a server-sent event is larger than ${limitBytes} bytes`);
  }
}

/**
 * The `data` of each event of a `text/event-stream` body, as the events
 * complete (the WHATWG rules: lines end in CRLF, LF or CR, an empty line
 * ends an event, `data:` lines are joined with LF, comments and other fields
 * are ignored, an event cut off by the end of the stream is dropped).
 * Gemini sends one GenerateContentResponse JSON per event, and one event can
 * hold a multi-megabyte base64 image: only the event being read is held,
 * as the network's own chunks until its line ends, never the whole stream.
 * Throws ServerSentEventTooLarge past `maxEventBytes`.
 */
export async function* readServerSentEvents(body: AsyncIterable<Uint8Array>, maxEventBytes: number): AsyncGenerator<string> {
  let line: Buffer[] = [];
  let eventBytes = 0;
  let data: string[] = [];
  // A CR that ended a chunk: an LF starting the next one belongs to it.
  let skipLeadingLf = false;
  for await (const chunk of body) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (skipLeadingLf && bytes.length > 0) {
      if (bytes[0] === LF) start = 1;
      skipLeadingLf = false;
    }
    while (start < bytes.length) {
      const end = lineEnd(bytes, start);
      if (end === -1) {
        line.push(bytes.subarray(start));
        eventBytes += bytes.length - start;
        if (eventBytes > maxEventBytes) throw new ServerSentEventTooLarge(maxEventBytes);
        break;
      }
      line.push(bytes.subarray(start, end));
      eventBytes += end - start;
      if (eventBytes > maxEventBytes) throw new ServerSentEventTooLarge(maxEventBytes);
      // UTF-8 never uses the bytes CR or LF inside a character, so a line decodes on its own.
      const text = (line.length === 1 ? (line[0] as Buffer) : Buffer.concat(line)).toString('utf8');
      line = [];
      if (text === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
        eventBytes = 0;
      } else {
        const value = dataOf(text);
        if (value !== undefined) data.push(value);
      }
      if (bytes[end] === CR && end + 1 === bytes.length) skipLeadingLf = true;
      start = bytes[end] === CR && bytes[end + 1] === LF ? end + 2 : end + 1;
    }
  }
}

/** The first CR or LF at or after `start`, or -1; each byte is looked at about once, however long the line. */
function lineEnd(bytes: Buffer, start: number): number {
  const lf = bytes.indexOf(LF, start);
  const cr = bytes.subarray(start, lf === -1 ? bytes.length : lf).indexOf(CR);
  return cr === -1 ? lf : start + cr;
}

/** A `data` field's value (one space after the colon is not part of it); undefined for comments and other fields. */
function dataOf(text: string): string | undefined {
  if (!text.startsWith('data')) return undefined;
  if (text.length === 4) return '';
  if (text[4] !== ':') return undefined;
  return text[5] === ' ' ? text.slice(6) : text.slice(5);
}
