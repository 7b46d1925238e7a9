import { describe, expect, it } from 'vitest';
import { readServerSentEvents, ServerSentEventTooLarge, type EventDataReader } from '../../src/gemini/readServerSentEvents.js';

/** The body as the network might cut it: these pieces, in order. */
async function* pieces(...chunks: Array<string | Buffer>): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function eventsOf(body: AsyncIterable<Uint8Array>, maxEventBytes = 1024 * 1024): Promise<string[]> {
  const events: string[] = [];
  for await (const data of readServerSentEvents(body, maxEventBytes)) events.push(data);
  return events;
}

/** Every way of cutting `text` in two, and byte by byte. */
function everySplit(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const splits: Buffer[][] = [[...bytes].map((byte) => Buffer.from([byte]))];
  for (let at = 0; at <= bytes.length; at++) splits.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return splits;
}

describe('reading a server-sent event stream', () => {
  it("yields each event's data as Gemini frames it (CRLF, blank line), however the network cuts the bytes", async () => {
    const body = 'data: {"a":1}\r\n\r\ndata: {"b":"é ✓"}\r\n\r\n';
    for (const split of everySplit(body)) {
      expect(await eventsOf(pieces(...split))).toEqual(['{"a":1}', '{"b":"é ✓"}']);
    }
  });

  it('reads LF and lone CR line endings too, joins multi-line data with LF, and skips comments and other fields', async () => {
    const body = ': keep-alive\n\nevent: chunk\nid: 7\ndata:first\ndata: second\n\rdata\r\rdata: x\r\n\r\n';
    for (const split of everySplit(body)) {
      expect(await eventsOf(pieces(...split))).toEqual(['first\nsecond', '', 'x']);
    }
  });

  it('drops an event the stream ended in the middle of (no blank line after it)', async () => {
    expect(await eventsOf(pieces('data: {"a":1}\r\n\r\ndata: {"b":2}\r\n'))).toEqual(['{"a":1}']);
    expect(await eventsOf(pieces('data: {"a":1}\r\n\r\ndata: {"b"'))).toEqual(['{"a":1}']);
  });

  it('puts a multi-megabyte event back together from many small network chunks', async () => {
    const image = 'A'.repeat(3 * 1024 * 1024);
    const event = Buffer.from(`data: {"data":"${image}"}\r\n\r\n`);
    const chunks: Buffer[] = [];
    for (let start = 0; start < event.length; start += 65_536) chunks.push(event.subarray(start, start + 65_536));
    const [data] = await eventsOf(pieces(...chunks), 4 * 1024 * 1024);
    expect(JSON.parse(data!).data).toBe(image);
  });

  it('refuses an event larger than its limit instead of holding it', async () => {
    const noEnd = pieces('data: ', 'x'.repeat(600), 'x'.repeat(600));
    await expect(eventsOf(noEnd, 1_000)).rejects.toBeInstanceOf(ServerSentEventTooLarge);
    const manyLines = pieces(...Array.from({ length: 20 }, () => `data: ${'y'.repeat(60)}\n`));
    await expect(eventsOf(manyLines, 1_000)).rejects.toBeInstanceOf(ServerSentEventTooLarge);
  });

  it("hands each piece of an event's data to its reader as the piece arrives, never holding the network's chunks", async () => {
    const log: string[] = [];
    async function* body(): AsyncGenerator<Uint8Array> {
      for (const piece of ['data: {"data":"AAAA', 'BBBB', 'CC"}\r\n', 'data: 1\r\n\r\n', ': comment\r\ndata:x\r\n\r\n']) {
        log.push(`network: ${piece}`);
        yield Buffer.from(piece);
      }
    }
    const reader = (): EventDataReader<string> => {
      let text = '';
      return {
        write(bytes) {
          log.push(`read: ${bytes.toString()}`);
          text += bytes.toString();
        },
        end: () => text,
      };
    };
    const events: string[] = [];
    for await (const event of readServerSentEvents(body(), 1024, reader)) {
      log.push(`event: ${event}`);
      events.push(event);
    }
    expect(events).toEqual(['{"data":"AAAABBBBCC"}\n1', 'x']);
    expect(log).toEqual([
      'network: data: {"data":"AAAA',
      'read: {"data":"AAAA',
      'network: BBBB',
      'read: BBBB',
      'network: CC"}\r\n',
      'read: CC"}',
      'network: data: 1\r\n\r\n',
      'read: \n',
      'read: 1',
      'event: {"data":"AAAABBBBCC"}\n1',
      'network: : comment\r\ndata:x\r\n\r\n',
      'read: x',
      'event: x',
    ]);
  });
});
