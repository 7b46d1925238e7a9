/**
 * A request body that can be sent more than once (a retry sends it again)
 * without being held whole in memory: its exact length up front, for
 * Content-Length, and its bytes as a stream produced afresh for each send.
 */
export interface RequestBody {
  contentLength: number;
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * Thrown by a body's stream when our side cannot produce the rest of it: the
 * call fails as `unsendable`, not as a network error. `storeFailed` when the
 * store did not answer (a passing outage, the history intact) rather than
 * answering with something wrong (an image gone or damaged).
 */
export class RequestBodyError extends Error {
  constructor(
    message: string,
    readonly storeFailed = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
