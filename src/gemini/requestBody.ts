/**
 * A request body that can be sent more than once (a retry sends it again)
 * without being held whole in memory: its exact length up front, for
 * Content-Length, and its bytes as a stream produced afresh for each send.
 */
export interface RequestBody {
  contentLength: number;
  chunks(): AsyncIterable<Uint8Array>;
}

/** A small body serialized at once (tests, and requests without images). */
export function jsonBody(value: unknown): RequestBody {
  const bytes = Buffer.from(JSON.stringify(value));
  return {
    contentLength: bytes.length,
    async *chunks() {
      yield bytes;
    },
  };
}
