import { StringDecoder } from 'node:string_decoder';

const LF = 0x0a;
const CR = 0x0d;
const DATA_FIELD = Buffer.from('data');
const COLON = 0x3a;
const SPACE = 0x20;
const NEW_LINE = Buffer.from('\n');

/** An event's data passed the limit the reader was given: the stream is not what Gemini sends. */
export class ServerSentEventTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`a server-sent event is larger than ${limitBytes} bytes`);
  }
}

/** Takes one event's data as its bytes arrive (data lines joined with LF), and makes of it what the caller reads. */
export interface EventDataReader<T> {
  write(bytes: Buffer): void;
  end(): T;
}

/** Where a line stands: its field name being read, a data value, or a line to skip (comments, other fields). */
type LineState = 'field' | 'value-start' | 'value' | 'skip';

/**
 * Each event of a `text/event-stream` body, as the events complete (the
 * WHATWG rules: lines end in CRLF, LF or CR, an empty line ends an event,
 * `data:` lines are joined with LF, comments and other fields are ignored,
 * an event cut off by the end of the stream is dropped). Gemini sends one
 * GenerateContentResponse JSON per event, and one event can hold a
 * multi-megabyte base64 image: each piece of an event's data is handed to
 * its reader as it arrives (`readData`, by default one that decodes the
 * text), so nothing here holds the network's chunks. Throws
 * ServerSentEventTooLarge past `maxEventBytes`.
 */
export function readServerSentEvents(body: AsyncIterable<Uint8Array>, maxEventBytes: number): AsyncGenerator<string>;
export function readServerSentEvents<T>(body: AsyncIterable<Uint8Array>, maxEventBytes: number, readData: () => EventDataReader<T>): AsyncGenerator<T>;
export async function* readServerSentEvents<T>(
  body: AsyncIterable<Uint8Array>,
  maxEventBytes: number,
  readData: () => EventDataReader<T | string> = readText,
): AsyncGenerator<T | string> {
  let data: EventDataReader<T | string> | undefined;
  let eventBytes = 0;
  let line: LineState = 'field';
  /** How many bytes of "data" the field name matched so far. */
  let fieldBytes = 0;
  // A CR that ended a chunk: an LF starting the next one belongs to it.
  let skipLeadingLf = false;
  const countBytes = (count: number) => {
    eventBytes += count;
    if (eventBytes > maxEventBytes) throw new ServerSentEventTooLarge(maxEventBytes);
  };
  /** A data line begins: the first of the event opens its reader, the next ones follow an LF. */
  const startDataLine = () => {
    if (data) data.write(NEW_LINE);
    else data = readData();
  };
  /** Reads a line's bytes (no line ending among them). */
  const readLine = (bytes: Buffer, start: number, end: number) => {
    countBytes(end - start);
    let index = start;
    while (index < end) {
      if (line === 'field') {
        const byte = bytes[index]!;
        if (fieldBytes === DATA_FIELD.length) {
          line = byte === COLON ? 'value-start' : 'skip';
          if (line === 'value-start') startDataLine();
          index += 1;
        } else if (byte === DATA_FIELD[fieldBytes]) {
          fieldBytes += 1;
          index += 1;
        } else {
          line = 'skip';
        }
      } else if (line === 'value-start') {
        // One space after the colon is not part of the value.
        if (bytes[index] === SPACE) index += 1;
        line = 'value';
      } else if (line === 'value') {
        data!.write(bytes.subarray(index, end));
        return;
      } else {
        return;
      }
    }
  };
  /** A line ended: an empty one ends the event. */
  const endLine = (): T | string | undefined => {
    let event: T | string | undefined;
    if (line === 'field' && fieldBytes === 0) {
      event = data?.end();
      data = undefined;
      eventBytes = 0;
    } else if (line === 'field' && fieldBytes === DATA_FIELD.length) {
      // `data` alone on its line: a data line with an empty value.
      startDataLine();
    }
    line = 'field';
    fieldBytes = 0;
    return event;
  };

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
        readLine(bytes, start, bytes.length);
        break;
      }
      readLine(bytes, start, end);
      const event = endLine();
      if (event !== undefined) yield event;
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

/** An event's data as text (UTF-8 never uses the bytes CR or LF inside a character, so pieces decode in order). */
function readText(): EventDataReader<string> {
  const decoder = new StringDecoder('utf8');
  const pieces: string[] = [];
  return {
    write: (bytes) => pieces.push(decoder.write(bytes)),
    end: () => pieces.join('') + decoder.end(),
  };
}
