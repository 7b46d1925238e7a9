import { isAscii } from 'node:buffer';
import { spellsOnlyBase64Characters } from '../images/decodeBase64Strictly.js';
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

/**
 * A string this long on the wire is collected apart from the JSON text.
 * Gemini's images are megabytes of base64; everything else it sends (text,
 * thought signatures, ids) is mostly far shorter, and a longer one going
 * apart costs nothing. Until a string is this long its bytes are read one
 * at a time in JavaScript (readInText): at 32 kB that was most of a
 * millisecond of every image's parse.
 */
const LONG_STRING_BYTES = 4 * 1024;

export type ParsedPieces = { ok: true; value: unknown } | { ok: false; text: string };

/** One JSON text fed as it arrives, in pieces cut anywhere. */
export interface JsonInPieces {
  write(bytes: Uint8Array): void;
  /** The value JSON.parse gives for the whole text; when that throws, the text (long strings left out) instead. */
  end(): ParsedPieces;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

type Mode = 'outside' | 'string' | 'long';

/**
 * Parses one JSON text as its bytes arrive, keeping each long string (an
 * image's base64) out of the text handed to JSON.parse. The obvious way
 * (join the network's chunks, decode them into one string, JSON.parse it)
 * makes three more copies of a multi-megabyte image: the joined bytes, the
 * event's text and the parsed value; and the network's chunks, held until
 * the event ends, reach V8's old generation, where their memory waits for a
 * full collection that their bytes do not trigger. Here each piece is copied
 * out as it comes (the chunk can die young): the text around long strings
 * through a UTF-8 decoder, a long string as Latin-1 pieces joined once at
 * its closing quote.
 *
 * A long string goes apart only while it is printable ASCII and JSON
 * escapes, which it decodes as JSON.parse would; at the first raw byte that
 * is not (a control character, UTF-8) it falls back into the text, so
 * JSON.parse gives the same value or refuses the same way. Each string set
 * apart leaves a placeholder in the text, put back after the parse; the
 * placeholder holds a NUL and a random id, which no other string matches.
 */
export function parseJsonInPieces(longStringBytes = LONG_STRING_BYTES): JsonInPieces {
  const id = randomUUID();
  const marker = `\u0000${id}:`;
  const decoder = new StringDecoder('utf8');
  const text: string[] = [];
  const longStrings: string[] = [];
  let mode: Mode = 'outside';
  /** In a string: its opening quote and the raw bytes since (copied), until it is long or ends. */
  let held: Buffer[] = [];
  let heldBytes = 0;
  /** The held bytes are printable ASCII (escapes included): the string may go apart. */
  let printable = true;
  /** A string that will not go apart (not printable): its bytes go straight into the text. */
  let staysInText = false;
  /** The byte after a backslash is skipped when looking for the closing quote. */
  let escaped = false;
  let long = longStringReader();

  const toText = (bytes: Uint8Array) => {
    if (bytes.length > 0) text.push(decoder.write(bytes as Buffer));
  };
  const flushHeld = () => {
    for (const bytes of held) toText(bytes);
    held = [];
    heldBytes = 0;
  };

  /** Reads string bytes up to the closing quote (looking no further than `limit`); the index after it, or -1. */
  const readInText = (bytes: Buffer, start: number, limit: number): number => {
    for (let index = start; index < limit; index++) {
      const byte = bytes[index]!;
      if (escaped) escaped = false;
      else if (byte === BACKSLASH) escaped = true;
      else if (byte === QUOTE) return index + 1;
      else if (byte < 0x20 || byte > 0x7f) printable = false;
    }
    return -1;
  };

  /** The held string, long now, goes apart when its bytes read as printable; else it stays in the text. */
  const setApart = (): void => {
    const reader = longStringReader();
    const readable = held.slice(1).every((bytes) => reader.read(bytes, 0).kind === 'more');
    if (printable && readable) {
      long = reader;
      mode = 'long';
      held = [];
      heldBytes = 0;
    } else {
      staysInText = true;
      flushHeld();
    }
  };

  const write = (bytes: Buffer): void => {
    let start = 0;
    while (start < bytes.length) {
      if (mode === 'outside') {
        const quote = bytes.indexOf(QUOTE, start);
        if (quote === -1) {
          toText(bytes.subarray(start));
          return;
        }
        toText(bytes.subarray(start, quote));
        mode = 'string';
        held = [OPENING_QUOTE];
        staysInText = false;
        printable = true;
        escaped = false;
        start = quote + 1;
      } else if (mode === 'string') {
        // A string still short is read no further than where it becomes long.
        const limit = staysInText ? bytes.length : Math.min(bytes.length, start + longStringBytes - heldBytes);
        const end = readInText(bytes, start, limit);
        const upTo = end === -1 ? limit : end;
        if (staysInText) {
          toText(bytes.subarray(start, upTo));
        } else {
          held.push(Buffer.from(bytes.subarray(start, upTo)));
          heldBytes += upTo - start;
        }
        start = upTo;
        if (end !== -1) {
          flushHeld();
          mode = 'outside';
        } else if (!staysInText && heldBytes >= longStringBytes) {
          setApart();
        }
      } else {
        const read = long.read(bytes, start);
        if (read.kind === 'more') return;
        if (read.kind === 'ended') {
          text.push(`"\\u0000${id}:${longStrings.length}"`);
          longStrings.push(read.value);
          mode = 'outside';
        } else {
          // Not printable after all: what was read goes back into the text as a JSON string (same value), the rest follows raw.
          text.push(JSON.stringify(read.valueSoFar).slice(0, -1), read.escape);
          mode = 'string';
          staysInText = true;
          escaped = false;
        }
        start = read.next;
      }
    }
  };

  return {
    write: (bytes) => write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
    end() {
      // A text cut inside a string stays cut: JSON.parse refuses it as it would refuse the whole.
      if (mode === 'long') text.push(JSON.stringify(long.valueSoFar()).slice(0, -1), long.pendingEscape());
      flushHeld();
      text.push(decoder.end());
      const source = text.join('');
      let value: unknown;
      try {
        value = JSON.parse(source);
      } catch {
        return { ok: false, text: source };
      }
      return { ok: true, value: longStrings.length > 0 ? putBack(value, marker, longStrings) : value };
    },
  };
}

const OPENING_QUOTE = Buffer.from('"');

type LongRead =
  | { kind: 'more' }
  | { kind: 'ended'; value: string; next: number }
  /** `escape`: the escape that was no JSON escape, raw, so JSON.parse refuses it too. */
  | { kind: 'not-printable'; valueSoFar: string; escape: string; next: number };

/**
 * A long string's content read as JSON.parse reads it, printable ASCII and
 * escapes only: what each network chunk brings is read at once as Latin-1
 * text (the chunk is not kept), an escape as its character, and the pieces
 * are joined at the closing quote. Text on V8's heap rather than copies in
 * ArrayBuffers: these die in a young collection, where ArrayBuffers count
 * as external memory until one is swept, and their pile prompts full
 * collections (copying the bytes out as buffers made 48 full collections in
 * 65 turns against 28, and each turn 20 ms slower). An escape cut by the end
 * of a chunk waits for the next.
 */
function longStringReader() {
  let pieces: string[] = [];
  let escape = '';
  const valueSoFar = () => pieces.join('');
  const notPrintable = (next: number): LongRead => {
    const read: LongRead = { kind: 'not-printable', valueSoFar: valueSoFar(), escape, next };
    pieces = [];
    escape = '';
    return read;
  };
  return {
    valueSoFar,
    pendingEscape: () => escape,
    read(bytes: Buffer, start: number): LongRead {
      let index = start;
      let quote = -1;
      let backslash = -1;
      while (index < bytes.length) {
        if (escape !== '') {
          escape += String.fromCharCode(bytes[index]!);
          index += 1;
          const character = unescape(escape);
          if (character === undefined) return notPrintable(index);
          if (character !== '') {
            pieces.push(character);
            escape = '';
          }
          continue;
        }
        if (quote < index) quote = indexOrEnd(bytes, QUOTE, index);
        if (backslash < index) backslash = indexOrEnd(bytes, BACKSLASH, index);
        const stop = Math.min(quote, backslash);
        const run = printableRun(bytes, index, stop);
        if (run.text !== '') pieces.push(run.text);
        index = run.end;
        if (index === bytes.length) break;
        if (index < stop) return notPrintable(index);
        if (index === quote) {
          const value = valueSoFar();
          pieces = [];
          return { kind: 'ended', value, next: index + 1 };
        }
        escape = '\\';
        index += 1;
      }
      return { kind: 'more' };
    },
  };
}

function indexOrEnd(bytes: Buffer, byte: number, start: number): number {
  const index = bytes.indexOf(byte, start);
  return index === -1 ? bytes.length : index;
}

/**
 * The run of printable ASCII from `start` (0x20 to 0x7f: what a JSON string
 * holds raw, and what Latin-1 reads as UTF-8 does), looking no further than
 * `stop`, as Latin-1 text, and where it ends. Megabytes of base64 pass
 * through here: the common case is checked natively, ASCII by isAscii and
 * no control character by the base64 decoder (base64's characters are all
 * printable); any other text four bytes at a time.
 */
function printableRun(bytes: Buffer, start: number, stop: number): { text: string; end: number } {
  const run = bytes.subarray(start, stop);
  if (isAscii(run)) {
    const text = run.toString('latin1');
    if (spellsOnlyBase64Characters(text) || !hasControlCharacter(run)) return { text, end: stop };
  }
  let end = start;
  while (end < stop && bytes[end]! >= 0x20 && bytes[end]! <= 0x7f) end += 1;
  return { text: bytes.toString('latin1', start, end), end };
}

/**
 * Whether ASCII bytes hold one below 0x20. Four at a time: a word holds one
 * when (word - 0x20202020) & ~word has a high bit set (every byte is below
 * 0x80, so no borrow crosses into a byte that has none); the words are
 * or-ed together and tested once, which runs about four times faster than
 * stopping at the first.
 */
function hasControlCharacter(ascii: Buffer): boolean {
  let index = 0;
  while (index < ascii.length && (ascii.byteOffset + index) % 4 !== 0) {
    if (ascii[index]! < 0x20) return true;
    index += 1;
  }
  if (index >= ascii.length) return false;
  const words = new Int32Array(ascii.buffer, ascii.byteOffset + index, (ascii.length - index) >>> 2);
  let found = 0;
  for (let word = 0; word < words.length; word++) {
    const value = words[word]!;
    found |= (value - 0x20202020) & ~value;
  }
  if ((found & 0x80808080) !== 0) return true;
  for (index += words.length * 4; index < ascii.length; index++) if (ascii[index]! < 0x20) return true;
  return false;
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The character a JSON escape stands for; '' while it is incomplete; undefined when it is no JSON escape. */
function unescape(escape: string): string | undefined {
  const kind = escape[1]!;
  if (kind !== 'u') return SIMPLE_ESCAPES[kind];
  const hex = escape.slice(2);
  if (!/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  return hex.length < 4 ? '' : String.fromCharCode(Number.parseInt(hex, 16));
}

/** Each placeholder in the parsed value (a value or a key) replaced by its string. */
function putBack(value: unknown, marker: string, longStrings: readonly string[]): unknown {
  const original = (text: string): string | undefined => {
    if (!text.startsWith(marker)) return undefined;
    return longStrings[Number(text.slice(marker.length))];
  };
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') return original(node) ?? node;
    if (typeof node !== 'object' || node === null) return node;
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) node[index] = visit(node[index]);
      return node;
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    if (!keys.some((key) => original(key) !== undefined)) {
      for (const key of keys) record[key] = visit(record[key]);
      return record;
    }
    // A long key: the object is rebuilt, in the same order, as JSON.parse would have built it.
    const rebuilt: Record<string, unknown> = {};
    for (const key of keys) Object.defineProperty(rebuilt, original(key) ?? key, { value: visit(record[key]), enumerable: true, writable: true, configurable: true });
    return rebuilt;
  };
  return visit(value);
}
