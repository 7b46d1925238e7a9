import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore, type Store } from '../../src/store/openStore.js';
import type { BenchTarget } from './benchTarget.js';
import { dispatchImagine, forgetRequestLogs, replyInThread, waitForThreadOf } from './benchDriver.js';

export interface StorageOptions {
  turns: number;
  imageBytes: number;
}

export interface StorageResult {
  turns: number;
  /** Database file plus its -wal, with the bot running (what the disk holds mid-conversation). */
  liveFileBytes: number;
  /** The database file alone after the bot stopped and SQLite checkpointed the WAL into it. */
  checkpointedFileBytes: number;
  /** JSON length of the thread's conversation record: image bytes live in blobs, not here. */
  recordJsonBytes: number;
}

/** One thread, as conversation.test.ts drives it: /imagine, then replies to the latest image. */
export async function measureStorage(target: BenchTarget, options: StorageOptions): Promise<StorageResult> {
  target.gemini.enqueue({ kind: 'image', imageBytes: options.imageBytes });
  const { posted } = dispatchImagine(target, 'a watercolor fox');
  let latest = (await posted).message;
  await waitForThreadOf(target, latest);
  const threadId = latest.id; // a thread opened from a message has that message's id
  for (let turn = 2; turn <= options.turns; turn += 1) {
    target.gemini.enqueue({ kind: 'image', imageBytes: options.imageBytes });
    latest = (await replyInThread(target, threadId, latest, `edit number ${turn}`)).message;
    forgetRequestLogs(target);
  }

  // File sizes exist for SQLite only; a server store's footprint is its own business (reported as n/a).
  const databaseFile = target.databaseUrl.startsWith('sqlite://') ? target.databaseUrl.replace(/^sqlite:\/\//, '') : undefined;
  const reader = await openStore(target.databaseUrl);
  try {
    const record = await waitForExchanges(reader, threadId, options.turns);
    const liveFileBytes = (await fileSize(databaseFile)) + (await fileSize(databaseFile && `${databaseFile}-wal`));
    await reader.close();
    await target.stopBot(); // the last connection to close checkpoints the WAL
    return { turns: options.turns, liveFileBytes, checkpointedFileBytes: await fileSize(databaseFile), recordJsonBytes: JSON.stringify(record).length };
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/** The bot saves a turn just after posting it; the last save may still be under way. */
export async function waitForExchanges(store: Store, threadId: string, count: number): Promise<unknown> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const record = (await store.keyv.get(`conversation:${threadId}`)) as { exchanges?: unknown[] } | undefined;
    if ((record?.exchanges?.length ?? 0) >= count) return record;
    if (Date.now() > deadline) throw new Error(`the conversation record holds ${record?.exchanges?.length ?? 0} of ${count} turns`);
    await sleep(10);
  }
}

async function fileSize(file: string | undefined): Promise<number> {
  if (file === undefined) return Number.NaN;
  return stat(file).then((info) => info.size).catch(() => 0);
}
