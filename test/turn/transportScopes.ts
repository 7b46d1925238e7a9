import Keyv from 'keyv';
import { createLogger } from '../../src/logging/createLogger.js';
import { BlobStore } from '../../src/store/blobStore.js';
import { generateContentTransport } from '../../src/transports/generateContentTransport.js';
import { interactionsTransport } from '../../src/transports/interactionsTransport.js';

/** Never called: a scope reads only the thread it is given. (A call would fail at once on this closed port.) */
const client = { apiUrl: 'http://127.0.0.1:9', apiKey: 'unused', timeoutMs: 1_000, stream: true, stallMs: 1_000 };
const dependencies = { client, blobs: new BlobStore(new Keyv()), retryBaseDelayMs: 1, logger: createLogger('silent') };

/** Each transport's scope (what of a thread a turn builds on, and whether Google holds it), taken from the transport itself. */
export const generateContentScope = generateContentTransport(dependencies).scope;
export const interactionsScope = interactionsTransport({ ...dependencies, retentionMs: 24 * 60 * 60_000 }).scope;
